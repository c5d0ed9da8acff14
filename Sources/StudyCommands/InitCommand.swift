import ArgumentParser
import StudyCore

/// `studyflow init`: scaffold a working example workflow to start from.
struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create Workflows/main.yaml with a small working example; add .studyflow/ to .gitignore.",
        discussion: """
        Examples:
          mkdir my-study && cd my-study && studyflow init && studyflow run
        """
    )

    @Option(name: .customShort("C"), help: ArgumentHelp("Create the workflow in DIR.", valueName: "DIR"))
    var directory: String = "."

    @Flag(name: .long, help: "Overwrite existing files.")
    var force = false

    static let files: [(String, String)] = [
        ("Workflows/main.yaml", """
        # A StudyFlow workflow: stages, the files they read and write, and how to make them.
        # Run it with 'studyflow run'; edit data/measurements.csv and run again: only what depends on it reruns.
        name: example
        description: Summarise a small table of measurements.
        params:
          digits: 2                      # override with: studyflow run --param digits=3
        stages:
          clean:
            run: python3 scripts/clean.py ${inputs.table} > ${outputs.table}
            inputs:  {table: data/measurements.csv}
            outputs: {table: results/clean.csv}
          summary:
            run: >
              awk -F, -v d=${params.digits} 'NR > 1 { n++; s += $2 }
              END { printf "n=%d mean=%.*f\\n", n, d, s / n }' ${inputs.table} > ${outputs.text}
            inputs:  {table: results/clean.csv}
            outputs: {text: results/summary.txt}

        """),
        ("data/measurements.csv", """
        id,value
        1,4.2
        2,3.9
        3,NA
        4,5.1

        """),
        ("scripts/clean.py", """
        # Drops rows whose value is missing.
        import csv, sys
        rows = list(csv.reader(open(sys.argv[1])))
        out = csv.writer(sys.stdout, lineterminator="\\n")
        out.writerow(rows[0])
        for row in rows[1:]:
            if row[1] != "NA":
                out.writerow(row)

        """),
    ]

    func run() throws {
        guard let root = FileIO.realPath(directory) else { throw CommandError.usage("directory '\(directory)' does not exist") }
        for (path, _) in Self.files where !force && FileIO.read(root + "/" + path) != nil {
            throw CommandError.usage("'\(path)' already exists; use --force to overwrite it")
        }
        for (path, text) in Self.files {
            let full = root + "/" + path
            try FileIO.createDirectories(WorkspacePath.directory(of: full) ?? root)
            try FileIO.writeAtomically(full, Array(text.utf8))
            Console.out("created \(path)\n")
        }
        switch try GitIgnoreFile.ensureStateIgnored(root: root) {
        case .created: Console.out("created .gitignore (ignores .studyflow/, studyflow's store)\n")
        case .appended: Console.out("added .studyflow/ to .gitignore\n")
        case .unchanged: break
        }
        Console.out("next: 'studyflow run' in \(directory == "." ? "this directory" : directory), then 'studyflow status'\n")
    }
}
