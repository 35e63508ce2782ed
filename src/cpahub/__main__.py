from cpahub.cli import main

main()
