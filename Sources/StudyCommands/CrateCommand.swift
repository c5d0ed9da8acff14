import ArgumentParser
import StudyCore
import StudyProvenance
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `studyflow crate [RUN] --output DIR`: a recorded run as an RO-Crate (Provenance Run Crate 0.5).
struct CrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crate",
        abstract: "Export a recorded run as an RO-Crate 1.1 (Provenance Run Crate profile 0.5).",
        discussion: """
        Writes DIR/ro-crate-metadata.json and copies the workflow file and every input and output
        whose recorded bytes are available (the ledger, the object store, or an unchanged file in
        the workspace) into DIR. Each stage is a tool with a HowToStep, a CreateAction (inputs as
        object, outputs as result) and a ControlAction; the workflow run is a CreateAction and
        StudyFlow's run an OrganizeAction; every file carries its sha256. Check a crate with
        'rocrate-validator validate --profile-identifier provenance-run-crate DIR'.

        Examples:
          studyflow crate --output crate/
          studyflow crate 12 --output crate-12/ --publisher "Example Lab" --license https://spdx.org/licenses/CC0-1.0
        """
    )

    @OptionGroup var options: LedgerOptions

    @Argument(help: ArgumentHelp("A run number, HEAD~N, or a prefix of a run id or commit id (default: the latest run).", valueName: "RUN"))
    var runID: String?

    @Option(name: .long, help: ArgumentHelp("Directory to write the crate into (absent or empty).", valueName: "DIR"))
    var output: String

    @Option(name: .long, help: "The crate's publisher (RO-Crate requires one); default: $USER.")
    var publisher: String?

    @Option(name: .long, help: "License of the crate's content, as a URL.")
    var license = "https://spdx.org/licenses/CC-BY-4.0"

    func run() throws {
        let (ledger, _) = try options.ledger()
        let run = try ledger.run(runID)
        let directory = output.hasPrefix("/") ? output : FileIO.currentDirectory() + "/" + output
        if let entries = try? FileIO.listDirectory(directory), !entries.isEmpty {
            throw CommandError.usage("output directory '\(output)' is not empty; name a new or empty directory")
        }
        let who = publisher ?? getenv("USER").map { String(cString: $0) } ?? "unknown"
        let count = try RunCrate(publisher: who, license: license).write(run, ledger: ledger, into: directory)
        Console.out("studyflow: wrote an RO-Crate of run \(run.record.run) (id \(run.id)) to \(output) (\(count) files and ro-crate-metadata.json)\n")
    }
}
