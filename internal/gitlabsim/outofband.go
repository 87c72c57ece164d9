package gitlabsim

import (
	"errors"
	"fmt"
	"slices"
)

// The out-of-band Go API: what another user (or GitLab itself) does to a job
// behind a Terraform configuration's back, for drift tests. Each call takes
// the store's lock and goes through the same state machine and core
// operations as the action endpoints, acting as the job's own user. Unlike
// the endpoints they skip authorization, not GitLab's state rules.

// Errors of the out-of-band API; wrapped with the job ID.
var (
	ErrNoJob         = errors.New("no such job")
	ErrNotPlayable   = errors.New("job is not playable")
	ErrNotRetryable  = errors.New("job is not retryable")
	ErrNotErasable   = errors.New("job is not erasable")
	ErrNotCancelable = errors.New("the cancel event does not apply to the job")
	ErrBridge        = errors.New("job is a bridge (trigger job)")
)

func (s *Sim) findJob(jobID int64) (*job, error) {
	j := s.jobs[jobID]
	if j == nil {
		return nil, fmt.Errorf("job %d: %w", jobID, ErrNoJob)
	}
	return j, nil
}

// PlayJob plays a manual or scheduled job (or replays a finished action job
// by retrying it) with the given variables, as POST .../play does.
func (s *Sim) PlayJob(jobID int64, vars []Variable) error {
	s.lock()
	defer s.mu.Unlock()
	j, err := s.findJob(jobID)
	if err != nil {
		return err
	}
	if !s.playable(j) {
		return fmt.Errorf("job %d (%s): %w", jobID, j.status, ErrNotPlayable)
	}
	s.playJob(j, 0, vars, nil, s.opts.Now())
	return nil
}

// RetryJob retries a finished job as POST .../retry does and returns the new job's ID.
func (s *Sim) RetryJob(jobID int64) (newID int64, err error) {
	s.lock()
	defer s.mu.Unlock()
	j, err := s.findJob(jobID)
	if err != nil {
		return 0, err
	}
	if !s.retryable(j) {
		return 0, fmt.Errorf("job %d (%s, retried %v): %w", jobID, j.status, j.retried, ErrNotRetryable)
	}
	return s.retryJob(j, 0, s.opts.Now()).id, nil
}

// CancelJob cancels a job as POST .../cancel does. Unlike the endpoint,
// which answers 201 with the job unchanged, it reports ErrNotCancelable
// when the cancel event does not apply (a finished job).
func (s *Sim) CancelJob(jobID int64) error {
	s.lock()
	defer s.mu.Unlock()
	j, err := s.findJob(jobID)
	if err != nil {
		return err
	}
	if j.bridge {
		return fmt.Errorf("job %d: %w", jobID, ErrBridge)
	}
	if !s.cancelJob(j, false, s.opts.Now()) {
		return fmt.Errorf("job %d (%s): %w", jobID, j.status, ErrNotCancelable)
	}
	return nil
}

// EraseJob erases a finished job's log and artifacts as POST .../erase does.
func (s *Sim) EraseJob(jobID int64) error {
	s.lock()
	defer s.mu.Unlock()
	j, err := s.findJob(jobID)
	if err != nil {
		return err
	}
	if !s.erasable(j) {
		return fmt.Errorf("job %d (%s): %w", jobID, j.status, ErrNotErasable)
	}
	s.eraseJob(j, j.userID, s.opts.Now())
	return nil
}

// DeleteJob removes one job, as if it were gone: GET answers 404 and lists
// leave it out. GitLab itself deletes jobs only with their pipeline
// (DeletePipeline); this is the drift test's shortcut.
func (s *Sim) DeleteJob(jobID int64) error {
	s.lock()
	defer s.mu.Unlock()
	j, err := s.findJob(jobID)
	if err != nil {
		return err
	}
	s.deleteJob(j)
	if pl := s.pipelines[j.pipelineID]; pl != nil {
		pl.jobIDs = slices.DeleteFunc(pl.jobIDs, func(id int64) bool { return id == jobID })
	}
	return nil
}

// DeletePipeline deletes a pipeline with all its jobs, as
// DELETE /projects/:id/pipelines/:pipeline_id does.
func (s *Sim) DeletePipeline(pipelineID int64) error {
	s.lock()
	defer s.mu.Unlock()
	pl := s.pipelines[pipelineID]
	if pl == nil {
		return fmt.Errorf("no pipeline %d", pipelineID)
	}
	for _, id := range pl.jobIDs {
		if j := s.jobs[id]; j != nil {
			s.forgetJob(j)
		}
	}
	s.unindexPipeline(pl)
	delete(s.pipelines, pipelineID)
	return nil
}

// deleteJob removes a job from the store and its indexes.
func (s *Sim) deleteJob(j *job) {
	s.forgetJob(j)
	s.unindexJob(j)
}

// forgetJob removes a job from the store's maps.
func (s *Sim) forgetJob(j *job) {
	delete(s.jobs, j.id)
	delete(s.jobTokens, j.token)
	delete(s.runnable, j.id)
}

// ActionCount is how many times an action (ActionPlay, ActionRetry,
// ActionCancel, ActionErase) was applied to a job, through the API or the
// out-of-band calls. Rejected requests and cancels that changed nothing do
// not count; replaying a finished action job counts as a play and a retry.
func (s *Sim) ActionCount(jobID int64, action string) int {
	s.lock()
	defer s.mu.Unlock()
	return s.actions[jobID][action]
}

// JobVariables are the variables a job was played with (kept by its retries).
func (s *Sim) JobVariables(jobID int64) []Variable {
	s.lock()
	defer s.mu.Unlock()
	if j := s.jobs[jobID]; j != nil {
		return append([]Variable(nil), j.variables...)
	}
	return nil
}

// PipelineJobIDs lists a pipeline's jobs, retried ones included, oldest first.
func (s *Sim) PipelineJobIDs(pipelineID int64) []int64 {
	s.lock()
	defer s.mu.Unlock()
	if pl := s.pipelines[pipelineID]; pl != nil {
		return slices.Clone(pl.jobIDs)
	}
	return nil
}
