"""The Ingress controller: routes HTTP(S) by host and path to Service endpoints, as ingress-nginx."""
