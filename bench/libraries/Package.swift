// swift-tools-version:6.0
// `make bench` section 15 (bench/sections/15-libraries.sh): StudyFlow's CSV reader and Markdown
// converter beside the package mirror's libraries that do the same jobs. A package of its own, so
// the main package's `make test` build never compiles these libraries; ours comes in by path, not
// by copy (built with `-Xswiftc -enable-testing` for the internal `CSVReader`).
import PackageDescription

let package = Package(
    name: "library-bench",
    platforms: [.macOS(.v13)],
    dependencies: [
        // `name:` because a path package's identity is its folder name, which differs per clone.
        .package(name: "StudyFlow", path: "../.."),
        .package(url: "https://github.com/swiftcsv/SwiftCSV", exact: "0.10.0"),
        .package(url: "https://github.com/yaslab/CSV.swift", exact: "2.5.2"),
        .package(url: "https://github.com/JohnSundell/Ink", exact: "0.6.0"),
    ],
    targets: [
        .executableTarget(
            name: "library-bench",
            dependencies: [
                .product(name: "StudyStages", package: "StudyFlow"),
                .product(name: "StudyReport", package: "StudyFlow"),
                .product(name: "StudyCore", package: "StudyFlow"),
                .product(name: "SwiftCSV", package: "SwiftCSV"),
                .product(name: "CSV", package: "CSV.swift"),
                .product(name: "Ink", package: "Ink"),
            ]
        ),
    ],
    swiftLanguageModes: [.v5]
)
