# `nomad volume create contrib/nomad/csi-volume.hcl`: a 2 GiB vol volume through the CSI plugin
# above (an EXAMPLE). capacity_min becomes the volume's enforced limit.
id           = "ci-cache"
name         = "ci-cache"
type         = "csi"
plugin_id    = "vol"
capacity_min = "2GiB"
capacity_max = "2GiB"

capability {
  access_mode     = "single-node-writer"
  attachment_mode = "file-system"
}
