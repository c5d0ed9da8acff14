import CLibGit2
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Git configuration values as git reads them: the repository's config over the global and
/// system ones (libgit2's snapshot); the global and system ones alone outside a repository.
struct GitConfig {
    private var values: [String: String] = [:]

    init(root: String) {
        _ = git_libgit2_init()
        var repo: OpaquePointer?
        var config: OpaquePointer?
        if git_repository_open_ext(&repo, root, 0, nil) == 0, let repo {
            _ = git_repository_config_snapshot(&config, repo)
            git_repository_free(repo)
        }
        if config == nil {
            var live: OpaquePointer?
            if git_config_open_default(&live) == 0, let live {
                _ = git_config_snapshot(&config, live)
                git_config_free(live)
            }
        }
        guard let config else { return }
        defer { git_config_free(config) }
        for name in ["gpg.format", "user.signingkey", "gpg.ssh.allowedsignersfile"] {
            var buffer = git_buf()
            if git_config_get_string_buf(&buffer, config, name) == 0, let pointer = buffer.ptr {
                values[name] = String(cString: pointer)
            }
            git_buf_dispose(&buffer)
        }
    }

    /// A value by its lowercase name.
    subscript(name: String) -> String? { values[name] }

    /// `~/x` → `$HOME/x`, as git expands path-valued settings.
    static func expandingHome(_ path: String) -> String {
        guard path.hasPrefix("~/"), let home = getenv("HOME") else { return path }
        return String(cString: home) + String(path.dropFirst())
    }
}
