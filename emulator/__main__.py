from emulator.cli import console

console()
