#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import StudyCore
import StudyStore
import Testing
import _StudyTestSupport

/// A link inside a directory is refused as an input or as an output, and the message says which.
@Suite("Links inside directory artifacts")
struct InputDirectoryLinkTests {
    @Test("a symbolic link inside an input directory is called part of an input, with workspace paths")
    func linkInInputDirectory() throws {
        let dir = TemporaryDirectory()
        dir.write("data/a.csv", "1\n")
        dir.write("elsewhere.csv", "2\n")
        #expect(symlink(dir.path + "/elsewhere.csv", dir.path + "/data/sub-link.csv") == 0)
        try FileIO.createDirectories(dir.path + "/.studyflow")
        let layout = StoreLayout(root: dir.path)
        let hasher = ArtifactHasher(layout: layout, cache: StatCache(path: layout.statCache))
        #expect(throws: StoreError.self) { try hasher.digest(of: "data") }
        do {
            _ = try hasher.digest(of: "data")
        } catch {
            #expect("\(error)" == "input directory 'data/' holds 'data/sub-link.csv', a symbolic link; files inside an input directory must be regular files: replace it with a copy of what it points to, or remove it")
        }
        do {
            _ = try hasher.digest(of: "data", role: .output)
        } catch {
            #expect("\(error)" == "output '\(dir.path)/data/sub-link.csv' is a symbolic link; outputs must be regular files or directories")
        }
    }
}
