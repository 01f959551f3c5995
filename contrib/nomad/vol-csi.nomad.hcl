# vol as a CSI plugin on every Nomad client: an EXAMPLE, not tested against a live cluster.
# One `vol csi serve` per client serves the controller and node services ("monolith"), since
# vol's volumes live on the node that made them. vol must be installed at /opt/vol on the host.
job "vol-csi" {
  type = "system"

  group "plugin" {
    task "vol" {
      driver = "raw_exec"

      config {
        command = "/opt/vol/bin/vol"
        args    = ["--root", "/var/lib/vol", "csi", "serve", "--endpoint", "unix:///csi/csi.sock", "--node-id", "${node.unique.name}"]
      }

      csi_plugin {
        id        = "vol"
        type      = "monolith"
        mount_dir = "/csi"
      }
    }
  }
}
