"""The control plane ("the master"): etcd, kube-apiserver, kube-scheduler, kube-controller-manager."""
