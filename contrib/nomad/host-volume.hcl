# `nomad volume create contrib/nomad/host-volume.hcl`: a dynamic host volume made by the
# vol-host-volume plugin (an EXAMPLE). capacity_min is the enforced limit; parameters are vol
# options (here a memory-backed scratch volume).
name         = "scratch"
type         = "host"
plugin_id    = "vol"
capacity_min = "512MiB"

parameters {
  type = "tmpfs"
}

capability {
  access_mode     = "single-node-single-writer"
  attachment_mode = "file-system"
}
