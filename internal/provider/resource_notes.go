package provider

// keptNote is the job action resources' rule for refreshes and respelled
// projects, in their documentation (after destroyNote).
const keptNote = "\n\n**Never applied twice.** A refresh that gets a 404 for the job never removes this resource: " +
	"GitLab answers 404 both when the job or its project is gone and when the provider's token may not see the " +
	"project, and forgetting the resource would let the next apply (with the right token) act on the job again. " +
	"The resource keeps its last known attributes, with a warning that names the job and the project; " +
	"`terraform state rm` (or `tofu state rm`) forgets it. Writing `project` differently (its numeric ID for its " +
	"path, URL-encoded, another letter case) updates the resource in place without acting again. Imports are " +
	"checked against GitLab (see Import)."
