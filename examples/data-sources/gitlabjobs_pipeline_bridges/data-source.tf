# The trigger jobs of a pipeline and the downstream pipelines they started.
data "gitlabjobs_pipeline_bridges" "release" {
  project     = "demo-group/platform/deploy-service"
  pipeline_id = 902
}

output "downstream_pipelines" {
  value = {
    for b in data.gitlabjobs_pipeline_bridges.release.bridges :
    b.name => b.downstream_pipeline == null ? "not triggered yet" : b.downstream_pipeline.web_url
  }
}
