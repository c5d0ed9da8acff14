#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Finding a program on a `PATH`-style search path, for the programs studyflow itself starts
/// (a container runtime, `bwrap`). Only absolute entries are searched: an empty or relative entry
/// would make the answer depend on the current directory.
enum ProgramSearch {
    /// The first `DIR/program` on `searchPath` that `isExecutable` accepts (by default: `access`
    /// with `X_OK`).
    static func first(_ program: String, on searchPath: String,
                      isExecutable: (String) -> Bool = { access($0, X_OK) == 0 }) -> String? {
        for directory in searchPath.split(separator: ":") where directory.hasPrefix("/") {
            let candidate = directory.hasSuffix("/") ? "\(directory)\(program)" : "\(directory)/\(program)"
            if isExecutable(candidate) { return candidate }
        }
        return nil
    }
}
