import CSV

/// CSV.swift's reader under a name of its own: its module `CSV` also declares a type `CSV`, so
/// `CSV.CSVReader` cannot be spelled where our `CSVReader` is visible too.
typealias YaslabCSVReader = CSVReader
