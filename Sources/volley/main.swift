import VolleyCLI

VolleyMain.main(CommandLine.arguments)
