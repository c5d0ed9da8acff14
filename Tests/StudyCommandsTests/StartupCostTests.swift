import Foundation
import Testing

/// What every `studyflow` process pays before it does anything: libgit2's start-up parse of the
/// system CA bundle is replaced by CLibGit2Startup's (see its CertificateStore.c), in the built
/// executable itself, not only in the test process.
@Suite("start-up cost")
struct StartupCostTests {
    @Test("the executable binds libgit2's mbedtls_x509_crt_parse_file to its own replacement")
    func caStoreReplacedInExecutable() throws {
        #if os(Linux)
        // glibc's loader reports every symbol binding; LD_BIND_NOW makes it bind all at start.
        let result = try CLI.run(["--version"], environment: ["LD_DEBUG": "bindings", "LD_BIND_NOW": "1"])
        #expect(result.status == 0)
        let name = URL(fileURLWithPath: CLI.binary).lastPathComponent
        let bindings = result.stderr.split(separator: "\n").filter {
            $0.contains("libgit2") && $0.hasSuffix("normal symbol `mbedtls_x509_crt_parse_file'")
        }
        // Debian's libgit2 is built with mbedTLS; a libgit2 with another TLS library would not call it.
        try #require(!bindings.isEmpty, "libgit2 does not call mbedtls_x509_crt_parse_file in this build")
        for line in bindings { #expect(line.contains("/\(name) [0]: normal symbol"), "\(line)") }
        #endif
    }
}
