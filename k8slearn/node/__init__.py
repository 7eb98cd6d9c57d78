"""The worker node: kubelet, container runtime, cAdvisor, kube-proxy."""
