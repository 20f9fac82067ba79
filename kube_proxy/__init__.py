"""tinykube kube-proxy: Services on iptables, as upstream's iptables mode.

rules.py renders (pure), iptables.py applies (the only module running commands), proxier.py
watches the api-server and runs rate-limited syncs; loadbalancer.py gives LoadBalancer
Services an address reachable from the machine.
"""
