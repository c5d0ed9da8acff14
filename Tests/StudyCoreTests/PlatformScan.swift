/// Reads Swift and C sources for what would stop them compiling on Darwin, which CI cannot run:
/// a platform import outside `#if canImport(Glibc) import Glibc #elseif canImport(Darwin) import
/// Darwin #endif`, and a Linux-only call, path or header outside a Linux branch (`#if os(Linux)`
/// or `#if canImport(Glibc)` in Swift, `#ifdef __linux__` / `#if defined(__linux__)` in C).
///
/// It reads text, not types: comments are skipped, string literals are read (a `"/proc/…"` path
/// counts), and every `#if` chain is followed, so the `#else` of an `#if os(Linux)` is Darwin code.
struct PlatformScan {
    /// One problem, shown as `path:line: error: message`.
    struct Finding: Equatable, CustomStringConvertible {
        var path: String
        var line: Int
        var message: String
        var description: String { "\(path):\(line): error: \(message)" }
    }

    enum Language { case swift, c }

    /// Linux-only identifiers, each with what Darwin has instead (or why it has nothing).
    static let linuxIdentifiers: [String: String] = [
        "RUSAGE_THREAD": "Darwin has no per-thread getrusage; use clock_gettime(CLOCK_THREAD_CPUTIME_ID)",
        "posix_spawn_file_actions_addclosefrom_np": "Darwin: POSIX_SPAWN_CLOEXEC_DEFAULT",
        "prctl": "Darwin has no prctl",
        "sched_getaffinity": "Darwin has no CPU affinity masks", "sched_setaffinity": "Darwin has no CPU affinity masks",
        "sched_getcpu": "Darwin has no sched_getcpu",
        "get_nprocs": "Darwin: sysconf(_SC_NPROCESSORS_ONLN)", "get_nprocs_conf": "Darwin: sysconf(_SC_NPROCESSORS_CONF)",
        "O_PATH": "Darwin has no O_PATH", "O_TMPFILE": "Darwin has no O_TMPFILE", "O_DIRECT": "Darwin: fcntl F_NOCACHE",
        "O_NOATIME": "Darwin has no O_NOATIME", "O_LARGEFILE": "Darwin files are always large-file",
        "renameat2": "Darwin: renameatx_np", "statx": "Darwin: fstatat", "memfd_create": "Darwin has no memfd",
        "syncfs": "Darwin has no syncfs; sync(2) is the weaker fallback",
        "fdatasync": "Darwin declares no fdatasync; use fcntl F_FULLFSYNC",
        "mallopt": "Darwin's malloc has no mallopt", "malloc_trim": "Darwin's malloc has no malloc_trim",
        "st_mtim": "Darwin: st_mtimespec", "st_ctim": "Darwin: st_ctimespec", "st_atim": "Darwin: st_atimespec",
        "environ": "Swift's Darwin module has no environ; Darwin: _NSGetEnviron()", "__environ": "Darwin: _NSGetEnviron()",
        "pipe2": "Darwin: pipe, then fcntl FD_CLOEXEC", "dup3": "Darwin: dup2, then fcntl FD_CLOEXEC",
        "accept4": "Darwin: accept, then fcntl", "SOCK_CLOEXEC": "Darwin: fcntl FD_CLOEXEC", "SOCK_NONBLOCK": "Darwin: fcntl O_NONBLOCK",
        "signalfd": "Darwin: kqueue EVFILT_SIGNAL", "eventfd": "Darwin: a pipe or kqueue EVFILT_USER",
        "close_range": "Darwin: close each descriptor", "SYS_close_range": "Darwin: close each descriptor",
        "CLOCK_BOOTTIME": "Darwin: CLOCK_MONOTONIC", "sysinfo": "Darwin: sysctl", "getauxval": "Darwin has no auxiliary vector",
        "splice": "Darwin has no splice", "copy_file_range": "Darwin: copyfile or fcopyfile", "sendfile": "Darwin's sendfile takes sockets only",
        "fallocate": "Darwin: fcntl F_PREALLOCATE", "posix_fadvise": "Darwin: fcntl F_RDADVISE", "MAP_POPULATE": "Darwin has no MAP_POPULATE",
        "gettid": "Darwin: pthread_threadid_np", "getrandom": "Darwin: getentropy", "secure_getenv": "Darwin: getenv",
        "program_invocation_name": "Darwin: getprogname", "clearenv": "Darwin has no clearenv",
        "pthread_getattr_np": "Darwin: pthread_get_stacksize_np", "SIGPOLL": "Darwin has no SIGPOLL", "SIGPWR": "Darwin has no SIGPWR",
        "SIGSTKFLT": "Darwin has no SIGSTKFLT", "FICLONE": "Darwin: clonefile", "mremap": "Darwin has no mremap",
        "timer_create": "Darwin has no POSIX timers; use a Dispatch timer", "timer_settime": "Darwin has no POSIX timers; use a Dispatch timer",
        "timer_delete": "Darwin has no POSIX timers; use a Dispatch timer", "clock_nanosleep": "Darwin: nanosleep",
        "sem_timedwait": "Darwin: DispatchSemaphore", "pthread_mutex_timedlock": "Darwin has no timed mutex lock",
        "pthread_setaffinity_np": "Darwin has no CPU affinity masks", "pthread_getaffinity_np": "Darwin has no CPU affinity masks",
        "cpu_set_t": "Darwin has no CPU affinity masks", "CPU_SET": "Darwin has no CPU affinity masks",
        "CPU_ZERO": "Darwin has no CPU affinity masks", "CPU_ISSET": "Darwin has no CPU affinity masks", "CPU_COUNT": "Darwin has no CPU affinity masks",
        "SIGRTMIN": "Darwin has no real-time signals", "SIGRTMAX": "Darwin has no real-time signals",
        "sigtimedwait": "Darwin: kqueue EVFILT_SIGNAL", "sigwaitinfo": "Darwin: sigwait", "ppoll": "Darwin: poll",
        "P_PIDFD": "Darwin: kqueue EVFILT_PROC", "malloc_usable_size": "Darwin: malloc_size",
        "mallinfo": "Darwin: malloc_zone_statistics", "mallinfo2": "Darwin: malloc_zone_statistics",
        "getresuid": "Darwin: getuid and geteuid", "getresgid": "Darwin: getgid and getegid",
        "setresuid": "Darwin: setreuid", "setresgid": "Darwin: setregid",
        "openat2": "Darwin: openat with O_NOFOLLOW_ANY", "RESOLVE_BENEATH": "Darwin: openat with O_NOFOLLOW_ANY",
        "AT_EMPTY_PATH": "Darwin: fstat on the descriptor", "F_OFD_SETLK": "Darwin: flock", "F_OFD_SETLKW": "Darwin: flock",
        "F_OFD_GETLK": "Darwin: flock", "strchrnul": "Darwin: strchr", "mempcpy": "Darwin: memcpy",
        "get_current_dir_name": "Darwin: getcwd(nil, 0)", "canonicalize_file_name": "Darwin: realpath(path, nil)",
        "euidaccess": "Darwin: faccessat with AT_EACCESS", "POSIX_SPAWN_USEVFORK": "Darwin has no POSIX_SPAWN_USEVFORK",
        "readdir64": "Darwin's calls are 64-bit already", "stat64": "Darwin's calls are 64-bit already",
        "fstat64": "Darwin's calls are 64-bit already", "lstat64": "Darwin's calls are 64-bit already",
        "lseek64": "Darwin's calls are 64-bit already", "off64_t": "Darwin's off_t is 64-bit already",
        "open64": "Darwin's calls are 64-bit already", "ftruncate64": "Darwin's calls are 64-bit already",
        "__errno_location": "Darwin: errno", "unshare": "Darwin has no Linux namespaces", "setns": "Darwin has no Linux namespaces",
        "pivot_root": "Darwin has no Linux namespaces", "umount2": "Darwin: unmount", "SYS_gettid": "Darwin: pthread_threadid_np",
        "MAP_HUGETLB": "Darwin has no MAP_HUGETLB", "F_SETPIPE_SZ": "Darwin pipes cannot be resized",
        "F_GETPIPE_SZ": "Darwin pipes cannot be resized", "SO_PEERCRED": "Darwin: getpeereid", "sendmmsg": "Darwin: sendmsg",
        "recvmmsg": "Darwin: recvmsg", "posix_fallocate": "Darwin: fcntl F_PREALLOCATE", "sync_file_range": "Darwin: fcntl F_FULLFSYNC",
        "FoundationNetworking": "Darwin's Foundation has URLSession itself; guard it with '#if canImport(FoundationNetworking)'",
        "FoundationXML": "Darwin's Foundation has XMLParser itself; guard it with '#if canImport(FoundationXML)'",
    ]

    /// Linux-only identifier prefixes.
    static let linuxPrefixes: [(prefix: String, darwin: String)] = [
        ("epoll_", "Darwin: kqueue"), ("inotify_", "Darwin: kqueue EVFILT_VNODE or FSEvents"), ("timerfd_", "Darwin: kqueue EVFILT_TIMER"),
        ("PR_SET_", "Darwin has no prctl"), ("PR_GET_", "Darwin has no prctl"), ("pidfd_", "Darwin: kqueue EVFILT_PROC"),
        ("fanotify_", "Darwin: FSEvents"), ("pthread_spin_", "Darwin has no pthread spin locks; use os_unfair_lock"),
        ("pthread_barrier_", "Darwin has no pthread barriers"),
    ]

    /// Linux-only text (paths, qualified names, headers).
    static let linuxText: [(text: String, darwin: String)] = [
        ("/proc/", "Darwin has no /proc"),
        ("Glibc.", "the Glibc module does not exist on Darwin; call the function unqualified from file scope"),
        ("/sys/", "Darwin has no /sys; use sysctl"), ("/dev/shm", "Darwin: shm_open"),
        ("RUSAGE_SELF.rawValue", "Glibc imports RUSAGE_* as an enum, Darwin as Int32"),
        ("RUSAGE_CHILDREN.rawValue", "Glibc imports RUSAGE_* as an enum, Darwin as Int32"),
        ("<sys/prctl.h>", "Darwin has no prctl"), ("<sys/epoll.h>", "Darwin: <sys/event.h>"),
        ("<sys/inotify.h>", "Darwin: <sys/event.h>"), ("<malloc.h>", "Darwin: <malloc/malloc.h>"),
        ("<sys/sysinfo.h>", "Darwin: <sys/sysctl.h>"), ("<linux/", "Darwin has no Linux headers"),
    ]

    /// Text that is Linux-only only when it runs (a path read at run time), checked in `Sources/`
    /// but not in tests, which run on Linux only.
    static let runtimeOnlyText: Set<String> = ["/proc/", "/sys/", "/dev/shm"]

    /// Whether run-time-only text counts (true for `Sources/`).
    var checksRuntimeText = true

    /// Every finding in `text`, a file at `path` written in `language`.
    func findings(in text: String, path: String, language: Language) -> [Finding] {
        var reader = DirectiveReader(language: language)
        var found: [Finding] = []
        var imports: [(line: Int, module: String, chain: Int?, condition: String?)] = []
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = index + 1
            let code = reader.code(of: String(rawLine))
            if reader.readDirective(code) { continue }
            if language == .swift, let module = Self.platformImport(code) {
                imports.append((line, module, reader.innermostChain, reader.innermostCondition))
                reader.noteImport(module)
                continue
            }
            if reader.inLinuxBranch { continue }
            for problem in linuxOnly(in: code) {
                let branch = language == .swift ? "an '#if os(Linux)' branch" : "an '#ifdef __linux__' branch"
                found.append(Finding(path: path, line: line, message:
                    "'\(problem.what)' is Linux-only (\(problem.darwin)); put it in \(branch) and give its '#else' branch the Darwin equivalent"))
            }
        }
        for entry in imports where !reader.isPortable(import: entry.module, chain: entry.chain, condition: entry.condition) {
            found.append(Finding(path: path, line: entry.line, message:
                "'import \(entry.module)' is not in a platform import block; write '#if canImport(Glibc)', 'import Glibc', '#elseif canImport(Darwin)', 'import Darwin', '#endif'"))
        }
        return found.sorted { $0.line < $1.line }
    }

    /// `Glibc` or `Darwin` when `code` imports one of them (also `@preconcurrency import`, `import func Glibc.x`).
    static func platformImport(_ code: String) -> String? {
        let words = code.split(whereSeparator: { $0 == " " || $0 == "\t" }).filter { !$0.hasPrefix("@") }
        guard words.first == "import", words.count >= 2 else { return nil }
        let module = String(words.last!.split(separator: ".").first!)
        return module == "Glibc" || module == "Darwin" ? module : nil
    }

    /// Linux-only identifiers, prefixes and text found in one line of code.
    func linuxOnly(in code: String) -> [(what: String, darwin: String)] {
        var problems: [(String, String)] = []
        let bytes = Array(code.utf8)
        for (text, darwin) in Self.linuxText where Self.contains(bytes, Array(text.utf8)) {
            if !checksRuntimeText && Self.runtimeOnlyText.contains(text) { continue }
            problems.append((text, darwin))
        }
        for word in Self.identifiers(in: code) {
            if let darwin = Self.linuxIdentifiers[word] {
                problems.append((word, darwin))
            } else if let prefix = Self.linuxPrefixes.first(where: { word.hasPrefix($0.prefix) }) {
                problems.append((word, prefix.darwin))
            }
        }
        return problems
    }

    /// Whether `needle` occurs in `haystack` (bytewise; String's own search is slow in debug builds).
    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard let first = needle.first, haystack.count >= needle.count else { return false }
        var i = 0
        while i + needle.count <= haystack.count {
            if haystack[i] == first && haystack[i..<i + needle.count].elementsEqual(needle) { return true }
            i += 1
        }
        return false
    }

    /// The identifiers of a line, in order (ASCII letters, digits and `_`, not starting with a digit).
    static func identifiers(in code: String) -> [String] {
        var words: [String] = []
        var start: String.UTF8View.Index?
        let utf8 = code.utf8
        for index in utf8.indices {
            let c = utf8[index]
            let letter = c == UInt8(ascii: "_") || (c | 0x20 >= UInt8(ascii: "a") && c | 0x20 <= UInt8(ascii: "z"))
            let digit = c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")
            if letter || (digit && start != nil) {
                if start == nil { start = index }
            } else if let begin = start {
                words.append(String(code[begin..<index]))
                start = nil
            }
        }
        if let begin = start { words.append(String(code[begin...])) }
        return words
    }
}

/// Follows comments, strings and conditional-compilation chains line by line.
struct DirectiveReader {
    /// One open `#if` chain: its id, the condition of the branch being read, whether that branch
    /// is left out on Darwin, and whether an earlier branch of the chain already took Darwin (so
    /// every later branch, `#else` included, is left out there).
    private struct Frame {
        var chain: Int
        var condition: String
        var linux: Bool
        var darwinTaken: Bool
    }

    let language: PlatformScan.Language
    private var stack: [Frame] = []
    private var chains = 0
    private var inBlockComment = false
    private var inMultilineString = false
    /// Per chain: the platform modules imported in each branch, by branch condition.
    private var importsByChain: [Int: [String: Set<String>]] = [:]

    init(language: PlatformScan.Language) { self.language = language }

    /// Whether the line being read is inside a branch Darwin leaves out (`#if os(Linux)`, …).
    var inLinuxBranch: Bool { stack.contains { $0.linux } }
    /// The innermost open chain, if any.
    var innermostChain: Int? { stack.last?.chain }
    /// The condition of the innermost branch, if any.
    var innermostCondition: String? { stack.last?.condition }

    /// Records that the innermost branch imports `module`.
    mutating func noteImport(_ module: String) {
        guard let frame = stack.last else { return }
        importsByChain[frame.chain, default: [:]][frame.condition, default: []].insert(module)
    }

    /// Whether an import of `module` read in `chain`, branch `condition`, is the portable block.
    func isPortable(import module: String, chain: Int?, condition: String?) -> Bool {
        guard let chain, let condition, let branches = importsByChain[chain] else { return false }
        let glibc = "canImport(Glibc)", darwin = "canImport(Darwin)"
        guard condition == (module == "Glibc" ? glibc : darwin) else { return false }
        return branches[glibc]?.contains("Glibc") == true && branches[darwin]?.contains("Darwin") == true
    }

    /// Reads a directive line (`#if`, `#elseif`/`#elif`, `#else`, `#endif`, C's `#ifdef`/`#ifndef`);
    /// returns false for any other line.
    mutating func readDirective(_ code: String) -> Bool {
        let trimmed = code.drop { $0 == " " || $0 == "\t" }
        guard trimmed.hasPrefix("#") else { return false }
        let body = trimmed.dropFirst().drop { $0 == " " || $0 == "\t" }
        let keyword = String(body.prefix { $0.isLetter })
        let condition = String(body.dropFirst(keyword.count)).filter { $0 != " " && $0 != "\t" }
        switch (language, keyword) {
        case (_, "if"), (.c, "ifdef"), (.c, "ifndef"):
            let normalized = keyword == "ifdef" ? "defined(\(condition))" : keyword == "ifndef" ? "!defined(\(condition))" : condition
            chains += 1
            stack.append(Frame(chain: chains, condition: normalized, linux: leavesOutDarwin(normalized),
                               darwinTaken: takesDarwin(normalized)))
        case (.swift, "elseif"), (.c, "elif"):
            guard var frame = stack.popLast() else { return true }
            frame.condition = condition
            frame.linux = frame.darwinTaken || leavesOutDarwin(condition)
            frame.darwinTaken = frame.darwinTaken || takesDarwin(condition)
            stack.append(frame)
        case (_, "else"):
            guard var frame = stack.popLast() else { return true }
            frame.condition = "else"
            frame.linux = frame.darwinTaken
            stack.append(frame)
        case (_, "endif"):
            _ = stack.popLast()
        default:
            return false
        }
        return true
    }

    /// Conditions that are false on Darwin (spaces removed).
    private var notDarwin: Set<String> {
        language == .swift
            ? ["os(Linux)", "os(Android)", "os(FreeBSD)", "os(OpenBSD)", "os(Windows)", "os(WASI)", "canImport(Glibc)",
               "canImport(Musl)", "canImport(Android)", "canImport(Bionic)", "canImport(WinSDK)",
               "canImport(FoundationNetworking)", "canImport(FoundationXML)", "!canImport(Darwin)", "!os(macOS)"]
            : ["defined(__linux__)", "defined__linux__", "__linux__", "defined(__linux)", "defined(linux)", "defined(__gnu_linux__)",
               "defined(__ANDROID__)", "defined(__GLIBC__)", "defined(_WIN32)", "!defined(__APPLE__)", "!defined(__MACH__)"]
    }

    /// Conditions that are true on Darwin (spaces removed).
    private var onDarwin: Set<String> {
        language == .swift
            ? ["canImport(Darwin)", "os(macOS)", "!os(Linux)", "!canImport(Glibc)"]
            : ["defined(__APPLE__)", "__APPLE__", "defined(__MACH__)", "!defined(__linux__)", "!defined(__linux)"]
    }

    /// Whether a branch with `condition` (spaces removed) is left out on Darwin: every `||` term
    /// has an `&&` factor that is false there. Parenthesised mixtures count as not left out.
    private func leavesOutDarwin(_ condition: String) -> Bool {
        let set = notDarwin
        return condition.split(separator: "||").allSatisfy { term in
            term.split(separator: "&&").contains { set.contains(String($0)) }
        }
    }

    /// Whether Darwin takes a branch with `condition`: one `||` term is true there.
    private func takesDarwin(_ condition: String) -> Bool {
        let set = onDarwin
        return !condition.contains("&&") && condition.split(separator: "||").contains { set.contains(String($0)) }
    }

    /// `line` without comments; string literals are kept.
    mutating func code(of line: String) -> String {
        let quote = UInt8(ascii: "\""), slash = UInt8(ascii: "/"), star = UInt8(ascii: "*"), backslash = UInt8(ascii: "\\")
        let bytes = Array(line.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        var inString = false
        func pair(_ a: UInt8, _ b: UInt8) -> Bool { i + 1 < bytes.count && bytes[i] == a && bytes[i + 1] == b }
        func tripleQuote() -> Bool { i + 2 < bytes.count && bytes[i] == quote && bytes[i + 1] == quote && bytes[i + 2] == quote }
        while i < bytes.count {
            if inBlockComment {
                if pair(star, slash) { inBlockComment = false; i += 2 } else { i += 1 }
            } else if inMultilineString {
                if tripleQuote() { inMultilineString = false; out += [quote, quote, quote]; i += 3 } else { out.append(bytes[i]); i += 1 }
            } else if inString {
                out.append(bytes[i])
                if bytes[i] == backslash, i + 1 < bytes.count { out.append(bytes[i + 1]); i += 2; continue }
                if bytes[i] == quote { inString = false }
                i += 1
            } else if pair(slash, slash) {
                break
            } else if pair(slash, star) {
                inBlockComment = true
                i += 2
            } else if language == .swift && tripleQuote() {
                inMultilineString = true
                out += [quote, quote, quote]
                i += 3
            } else {
                if bytes[i] == quote { inString = true }
                out.append(bytes[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
