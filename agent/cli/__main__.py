from aigchip.cli import main

main()
