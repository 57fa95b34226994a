from agentv_resume.cli import main

main()
