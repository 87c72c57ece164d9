package provider_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/acctest"
	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabsim"
)

// Group-based access, as teams get it on production GitLab: a release bot
// that is only a member of a group shared with the project deploys to a
// protected environment whose deployers are that group; a Maintainer of
// the project outside the group is refused, and told the group.

// TestAccGroupAccess_groupDeployerPlaysOnce: the bot's play is one POST,
// applied once; the Maintainer's is one POST, refused, naming the
// environment and the deployer group.
func TestAccGroupAccess_groupDeployerPlaysOnce(t *testing.T) {
	env := acctest.NewEnv(t)
	g := newGuardedProject(t, env)
	s := env.Sim
	if err := s.SetCIConfig(g.project.ID, gitlabsim.CIConfig{Branches: map[string]string{"main": ""},
		Jobs: []gitlabsim.CIJob{{Name: "deploy", Stage: "deploy", When: "manual",
			Environment: &gitlabsim.CIEnvironment{Name: "production"}}}}); err != nil {
		t.Fatal(err)
	}
	deploys := runDeploys(t, env, g.project, 2)
	suffix := strings.ToLower(t.Name())
	team, err := s.CreateGroup(gitlabsim.GroupSpec{Path: "teams-" + suffix + "/release", Name: "Release team"})
	if err != nil {
		t.Fatal(err)
	}
	bot := s.CreateUser(gitlabsim.UserSpec{Username: "bot-" + suffix, Bot: true})
	botToken := s.CreatePersonalAccessToken(bot.ID, gitlabsim.TokenSpec{})
	if err := s.AddGroupMember(team.ID, bot.ID, gitlabsim.DeveloperAccess); err != nil {
		t.Fatal(err)
	}
	if err := s.ShareProjectWithGroup(g.project.ID, team.ID, gitlabsim.DeveloperAccess); err != nil {
		t.Fatal(err)
	}
	s.ProtectEnvironment(g.project.ID, gitlabsim.ProtectedEnvironmentSpec{Name: "production",
		Groups: []gitlabsim.GroupAccessSpec{{GroupID: team.ID}}})

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{{
			Config: playAs(env, botToken, g.project.PathWithNamespace, deploys[0], ""),
			Check:  resource.TestCheckResourceAttr("gitlabjobs_job_play.deploy", "job_id", strconv.FormatInt(deploys[0], 10)),
		}},
	})
	if n := s.ActionCount(deploys[0], "play"); n != 1 {
		t.Errorf("the group deployer's play was applied %d times, want 1", n)
	}
	before := s.RequestCount(playRoute)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{{
			Config: playAs(env, g.maintTok, g.project.PathWithNamespace, deploys[1], ""),
			ExpectError: phrases("Not allowed to play job", `the project protects the environments "production" (deployers: group Release team`,
				"make the user a member of a deployer group (Release team"),
		}},
	})
	if n := s.RequestCount(playRoute) - before; n != 1 {
		t.Errorf("%d play requests for the refused play, want 1", n)
	}
	if n := s.ActionCount(deploys[1], "play"); n != 0 {
		t.Errorf("the refused play was applied %d times", n)
	}
}
