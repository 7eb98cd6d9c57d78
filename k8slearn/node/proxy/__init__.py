"""What kube-proxy computes from Services and EndpointSlices, one module per proxy mode.

- :mod:`.model` - service ports and endpoints as kube-proxy sees them (``pkg/proxy``:
  ``ServicePort``, ``Endpoint``, ``CategorizeEndpoints``), chain-name hashing;
- :mod:`.iptables` - the rules the iptables proxier writes (``iptables-restore`` input);
- :mod:`.nftables` - the nftables proxier's transaction (``nft -f`` input);
- :mod:`.ipvs` - the IPVS proxier's virtual servers plus the iptables/ipset rules it keeps;
- :mod:`.netfilter` - a small packet walker that *executes* those rules (used by
  :mod:`k8slearn.node.dataplane`).

Everything here is a pure function of plain Kubernetes objects, so a lesson (or a test
with upstream fixtures) can call it without a cluster. Used in: 06_services_and_kube_proxy.
"""
