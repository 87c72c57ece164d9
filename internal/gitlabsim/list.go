package gitlabsim

func (s *Sim) listRoutes() {}
