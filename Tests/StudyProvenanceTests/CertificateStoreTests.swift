import CLibGit2Startup
import Testing
import _StudyTestSupport
@testable import StudyProvenance
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// libgit2's start-up parse of the system CA bundle and its libssh2 (OpenSSL) start-up are
/// replaced (see CLibGit2Startup): every command saves them, and the ledger, which never opens a network connection, works as before.
@Suite("libgit2 start-up")
struct CertificateStoreTests {
    @Test("the process resolves mbedtls_x509_crt_parse_file to studyflow's replacement on Linux")
    func replacementInEffect() {
        #if os(Linux)
        #expect(studyflow_skips_ca_store() == 1)
        let found = dlsym(dlopen(nil, RTLD_NOW), "mbedtls_x509_crt_parse_file")
        #expect(found != nil)
        #expect(UnsafeRawPointer(found) == studyflow_ca_store_replacement())
        #else
        #expect(studyflow_skips_ca_store() == 0)
        #endif
    }

    @Test("the process resolves libssh2_init to studyflow's replacement on Linux, so OpenSSL is not started")
    func sshReplacementInEffect() {
        #if os(Linux)
        #expect(studyflow_skips_ssh_init() == 1)
        let found = dlsym(dlopen(nil, RTLD_NOW), "libssh2_init")
        #expect(found != nil)
        #expect(UnsafeRawPointer(found) == studyflow_ssh_init_replacement())
        #else
        #expect(studyflow_skips_ssh_init() == 0)
        #endif
    }

    @Test("with the replacement, a ledger records a run and reads it back")
    func ledgerStillWorks() throws {
        let dir = TemporaryDirectory()
        let repository = try GitRepository.createBare(at: dir.path + "/ledger.git")
        let blob = try repository.writeBlob(Array("recorded\n".utf8))
        #expect(try repository.readBlob(blob) == Array("recorded\n".utf8))
    }
}
