from gitprompts.cli import main

main(prog_name="gitprompts")
