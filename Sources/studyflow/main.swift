import StudyCommands

StudyflowCommand.entry()
