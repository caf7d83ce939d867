from plateguard.cli import main

main()
