import StudyCore
import Testing

@Suite("WorkspacePath")
struct WorkspacePathTests {
    @Test("relative paths lose '.', empty components and inner '..'")
    func insidePaths() {
        #expect(WorkspacePath.normalize("data/raw.csv") == .inside("data/raw.csv", isDirectory: false))
        #expect(WorkspacePath.normalize("./data//raw.csv") == .inside("data/raw.csv", isDirectory: false))
        #expect(WorkspacePath.normalize("a/b/../c") == .inside("a/c", isDirectory: false))
        #expect(WorkspacePath.normalize("a/./b/.") == .inside("a/b", isDirectory: false))
    }

    @Test("a trailing slash marks a directory and is dropped from the path")
    func directories() {
        #expect(WorkspacePath.normalize("results/dir/") == .inside("results/dir", isDirectory: true))
        #expect(WorkspacePath.normalize("results/dir//") == .inside("results/dir", isDirectory: true))
        #expect(WorkspacePath.normalize("/abs/dir/") == .absolute("/abs/dir", isDirectory: true))
    }

    @Test("absolute paths stay absolute, and '..' cannot climb above the root")
    func absolutePaths() {
        #expect(WorkspacePath.normalize("/data/raw.csv") == .absolute("/data/raw.csv", isDirectory: false))
        #expect(WorkspacePath.normalize("//data/./x/../raw.csv") == .absolute("/data/raw.csv", isDirectory: false))
        #expect(WorkspacePath.normalize("/../etc") == .absolute("/etc", isDirectory: false))
    }

    @Test("relative paths that climb out of the workspace escape")
    func escapingPaths() {
        #expect(WorkspacePath.normalize("../x") == .escapes("../x", isDirectory: false))
        #expect(WorkspacePath.normalize("a/../../x") == .escapes("../x", isDirectory: false))
        #expect(WorkspacePath.normalize("../../x/") == .escapes("../../x", isDirectory: true))
        #expect(WorkspacePath.normalize("..") == .escapes("..", isDirectory: false))
    }

    @Test("the empty path and the root itself are empty")
    func emptyPaths() {
        #expect(WorkspacePath.normalize("") == .empty)
        #expect(WorkspacePath.normalize(".") == .empty)
        #expect(WorkspacePath.normalize("./") == .empty)
        #expect(WorkspacePath.normalize("a/..") == .empty)
    }

    @Test("parents are listed outermost first")
    func parents() {
        #expect(WorkspacePath.parents(of: "a/b/c") == ["a", "a/b"])
        #expect(WorkspacePath.parents(of: "results/km.json") == ["results"])
        #expect(WorkspacePath.parents(of: "top.txt") == [])
    }
}
