package gitlabsim

func (s *Sim) actionRoutes() {}
