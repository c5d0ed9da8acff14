// library-bench: our CSV reader and Markdown converter beside SwiftCSV, CSV.swift and Ink.
//
//   library-bench csv ours|swiftcsv|csvswift FILE   read FILE once: "ROWS FIELDS CPU_S WALL_S"
//   library-bench csv-features                      the same hostile inputs through each reader
//   library-bench markdown                          the same hostile Markdown through ours and Ink
//
// Each `csv` call reads one file in a process of its own, so the caller can measure its peak RSS.
import Foundation

let arguments = CommandLine.arguments
switch (arguments.count > 1 ? arguments[1] : "", arguments.count) {
case ("csv", 4):
    guard let reader = CSVLibrary(rawValue: arguments[2]) else { usage() }
    let start = Clock.now()
    let (rows, fields) = reader.read(file: arguments[3])
    let end = Clock.now()
    print(rows, fields, String(format: "%.3f", end.cpu - start.cpu), String(format: "%.3f", end.wall - start.wall))
case ("csv-features", 2):
    CSVFeatures.printTable()
case ("markdown", 2):
    MarkdownSafety.printTable()
default:
    usage()
}

func usage() -> Never {
    FileHandle.standardError.write(Data("usage: library-bench csv ours|swiftcsv|csvswift FILE | csv-features | markdown\n".utf8))
    exit(2)
}

/// Thread CPU seconds (what the ingest stage's own timing line reports) and wall seconds.
enum Clock {
    static func now() -> (cpu: Double, wall: Double) {
        var cpu = timespec(), wall = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu)
        clock_gettime(CLOCK_MONOTONIC, &wall)
        return (Double(cpu.tv_sec) + Double(cpu.tv_nsec) / 1e9, Double(wall.tv_sec) + Double(wall.tv_nsec) / 1e9)
    }
}
