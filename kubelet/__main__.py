from kubelet.main import main

main()
