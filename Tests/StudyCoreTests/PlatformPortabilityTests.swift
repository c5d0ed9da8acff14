import Foundation
import Testing

/// CI runs Linux only; these tests keep the tree compiling for Darwin in principle (issue 14 item 7).
@Suite("Platform portability")
struct PlatformPortabilityTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path

    /// The scanner's own files, which spell the Linux-only names they look for.
    static let ownFiles: Set<String> = ["Tests/StudyCoreTests/PlatformScan.swift", "Tests/StudyCoreTests/PlatformPortabilityTests.swift"]

    /// Every `.swift`, `.c` and `.h` file under `folder` (package-relative paths, sorted).
    static func sourceFiles(under folder: String) -> [String] {
        let base = packageRoot + "/" + folder
        guard let walker = FileManager.default.enumerator(atPath: base) else { return [] }
        return walker.compactMap { $0 as? String }
            .filter { $0.hasSuffix(".swift") || $0.hasSuffix(".c") || $0.hasSuffix(".h") }
            .map { folder + "/" + $0 }
            .sorted()
    }

    /// Findings of every file under `folder` (the scanner's own files left out).
    static func scanTree(_ folder: String, runtimeText: Bool) throws -> [String: [PlatformScan.Finding]] {
        var byFile: [String: [PlatformScan.Finding]] = [:]
        let scan = PlatformScan(checksRuntimeText: runtimeText)
        for path in sourceFiles(under: folder) where !ownFiles.contains(path) {
            let text = try String(contentsOfFile: packageRoot + "/" + path, encoding: .utf8)
            let found = scan.findings(in: text, path: path, language: path.hasSuffix(".swift") ? .swift : .c)
            if !found.isEmpty { byFile[path] = found }
        }
        return byFile
    }

    /// The scan of `Sources/` and `Plugins/` (both compiled on every platform), made once for the tests that read it.
    static let sourcesScan = Result { try scanTree("Sources", runtimeText: true).merging(try scanTree("Plugins", runtimeText: true)) { $1 } }

    @Test("no file under Sources/ or Plugins/ imports Glibc or Darwin outside the platform block or calls Linux-only API outside a Linux branch")
    func sourcesArePortable() throws {
        let files = Self.sourceFiles(under: "Sources")
        #expect(files.count > 100, "the scan found only \(files.count) files: is the package root right?")
        #expect(files.contains("Sources/CStageSpawn/StageSpawn.c"))
        #expect(Self.sourceFiles(under: "Plugins").count >= 2)
        let findings = try Self.sourcesScan.get()
        let shown = findings.values.flatMap { $0 }.map(\.description).sorted()
        #expect(shown.isEmpty, "\(shown.joined(separator: "\n"))")
    }

    @Test("tests import platform modules portably and call no Linux-only API (paths read at run time aside)")
    func testsArePortable() throws {
        let findings = try Self.scanTree("Tests", runtimeText: false)
        let shown = findings.values.flatMap { $0 }.map(\.description).sorted()
        #expect(shown.isEmpty, "\(shown.joined(separator: "\n"))")
    }

    // MARK: - The scanner itself

    private func scan(_ text: String, _ language: PlatformScan.Language = .swift) -> [String] {
        PlatformScan().findings(in: text, path: "Sources/X/F.\(language == .swift ? "swift" : "c")", language: language).map(\.description)
    }

    @Test("an import of Glibc without the Darwin branch is named with file, line and the block to write")
    func unguardedImport() {
        #expect(scan("import Glibc\nlet x = 1\n") == [
            "Sources/X/F.swift:1: error: 'import Glibc' is not in a platform import block; write '#if canImport(Glibc)', 'import Glibc', '#elseif canImport(Darwin)', 'import Darwin', '#endif'",
        ])
        #expect(scan("#if canImport(Glibc)\nimport Glibc\n#endif\n") == [
            "Sources/X/F.swift:2: error: 'import Glibc' is not in a platform import block; write '#if canImport(Glibc)', 'import Glibc', '#elseif canImport(Darwin)', 'import Darwin', '#endif'",
        ])
        #expect(scan("#if os(Linux)\n@preconcurrency import Glibc\n#else\nimport Darwin\n#endif\n").count == 2)
        #expect(scan("#if canImport(Glibc)\nimport Glibc\n#elseif canImport(Darwin)\nimport Darwin\n#endif\n") == [])
    }

    @Test("a Linux-only call outside '#if os(Linux)' is named with what Darwin has instead; inside it, or in a comment, it is not")
    func linuxOnlyCalls() {
        #expect(scan("func f() {\n    fdatasync(fd)\n}\n") == [
            "Sources/X/F.swift:2: error: 'fdatasync' is Linux-only (Darwin declares no fdatasync; use fcntl F_FULLFSYNC); put it in an '#if os(Linux)' branch and give its '#else' branch the Darwin equivalent",
        ])
        #expect(scan("#if os(Linux)\nlet n = readlink(\"/proc/self/exe\", &b, 9)\n#else\nlet n = 0\n#endif\n") == [])
        #expect(scan("#if os(Linux)\nlet n = 1\n#else\nlet n = readlink(\"/proc/self/exe\", &b, 9)\n#endif\n") == [
            "Sources/X/F.swift:4: error: '/proc/' is Linux-only (Darwin has no /proc); put it in an '#if os(Linux)' branch and give its '#else' branch the Darwin equivalent",
        ])
        #expect(scan("#if !os(Linux)\nlet a = 1\n#else\nsyncfs(fd)\n#endif\n") == [])
        #expect(scan("#if os(Linux) && arch(x86_64)\nsyncfs(fd)\n#endif\n") == [])
        #expect(scan("#if os(Linux) || os(macOS)\nsyncfs(fd)\n#endif\n").count == 1)
        #expect(scan("// syncfs(fd) on Linux\n/* fdatasync\n environ */ let x = 1\n") == [])
        #expect(scan("Glibc.exit(1)\nlet e = environ[0]\nlet t = st.st_mtim.tv_sec\n").count == 3)
        #expect(scan("let t = st.st_mtimespec.tv_sec\nlet e = environment\n") == [])
    }

    @Test("a branch Darwin leaves out counts as Linux: the '#else' of a Darwin branch, 'canImport(Glibc)', '||' of non-Darwin platforms")
    func nonDarwinBranches() {
        #expect(scan("#if canImport(Darwin)\nlet e = _NSGetEnviron()\n#else\nlet e = environ\n#endif\n") == [])
        #expect(scan("#if canImport(Glibc)\nGlibc.exit(1)\n#elseif canImport(Darwin)\nDarwin.exit(1)\n#endif\n") == [])
        #expect(scan("#if os(Linux) || os(Android)\nlet n = get_nprocs()\n#endif\n") == [])
        #expect(scan("#if canImport(Glibc)\nlet a = 1\n#elseif canImport(Darwin)\nlet n = get_nprocs()\n#else\nlet m = get_nprocs()\n#endif\n") == [
            "Sources/X/F.swift:4: error: 'get_nprocs' is Linux-only (Darwin: sysconf(_SC_NPROCESSORS_ONLN)); put it in an '#if os(Linux)' branch and give its '#else' branch the Darwin equivalent",
        ])
        #expect(scan("import FoundationNetworking\n") == [
            "Sources/X/F.swift:1: error: 'FoundationNetworking' is Linux-only (Darwin's Foundation has URLSession itself; guard it with '#if canImport(FoundationNetworking)'); put it in an '#if os(Linux)' branch and give its '#else' branch the Darwin equivalent",
        ])
        #expect(scan("#if canImport(FoundationNetworking)\nimport FoundationNetworking\n#endif\n") == [])
        #expect(scan("let t = timer_create(CLOCK_MONOTONIC, nil, &id)\nvar set = cpu_set_t()\nlet fd = pidfd_open(pid, 0)\n").count == 3)
        #expect(scan("#ifdef __APPLE__\nint a;\n#else\nreturn pipe2(fds, O_CLOEXEC);\n#endif\n", .c) == [])
        #expect(scan("#if defined(__APPLE__) && defined(X)\nint a;\n#else\nreturn pipe2(fds, O_CLOEXEC);\n#endif\n", .c).count == 1)
    }

    @Test("in C, '#ifdef __linux__' and '#if defined(__linux__) && …' are Linux branches and their '#else' is not")
    func cRegions() {
        #expect(scan("#ifdef __linux__\n#include <sys/prctl.h>\nprctl(PR_SET_PDEATHSIG, SIGHUP);\n#endif\n", .c) == [])
        #expect(scan("#if defined(__linux__) && defined(SYS_close_range)\nsyscall(SYS_close_range, 3, ~0U, 0);\n#endif\n", .c) == [])
        #expect(scan("#ifdef __linux__\nint a;\n#else\nprctl(PR_SET_PDEATHSIG, SIGHUP);\n#endif\n", .c) == [
            "Sources/X/F.c:4: error: 'prctl' is Linux-only (Darwin has no prctl); put it in an '#ifdef __linux__' branch and give its '#else' branch the Darwin equivalent",
            "Sources/X/F.c:4: error: 'PR_SET_PDEATHSIG' is Linux-only (Darwin has no prctl); put it in an '#ifdef __linux__' branch and give its '#else' branch the Darwin equivalent",
        ])
        #expect(scan("#ifndef __linux__\nint a;\n#else\nreturn pipe2(fds, O_CLOEXEC);\n#endif\n", .c) == [])
        #expect(scan("#include <sys/epoll.h>\n", .c).count == 1)
    }
}
