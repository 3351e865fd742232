from varsel_tui.cli import main

main()
