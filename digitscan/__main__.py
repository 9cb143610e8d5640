from digitscan.cli import main

main()
