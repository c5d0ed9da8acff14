import StudyCore
import Testing

@Suite("Digest")
struct DigestTests {
    @Test("SHA-256 of 'abc' and of nothing match the published test vectors")
    func knownVectors() {
        #expect(Digest.of(string: "abc").hex == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(Digest.of(string: "").hex == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(Digest.of(Array("abc".utf8)) == Digest.of(string: "abc"))
    }

    @Test("hex round-trips, accepts upper case and prints lower case")
    func hexRoundTrip() throws {
        let digest = Digest.of(string: "abc")
        #expect(Digest(hex: digest.hex) == digest)
        #expect(Digest(hex: digest.hex.uppercased()) == digest)
        #expect(digest.description == digest.hex)
        #expect(digest.short == "ba7816bf8f01")
        let zero = try #require(Digest(hex: String(repeating: "0", count: 64)))
        #expect(zero == Digest(w0: 0, w1: 0, w2: 0, w3: 0))
        let words = try #require(Digest(hex: "0123456789abcdef" + "fedcba9876543210" + "0000000000000001" + "8000000000000000"))
        #expect(words == Digest(w0: 0x0123_4567_89ab_cdef, w1: 0xfedc_ba98_7654_3210, w2: 1, w3: 0x8000_0000_0000_0000))
        #expect(words.hex == "0123456789abcdeffedcba987654321000000000000000018000000000000000")
    }

    @Test("hex of the wrong length or with a non-hex digit is rejected")
    func badHex() {
        let hex = Digest.of(string: "abc").hex
        #expect(Digest(hex: String(hex.dropLast())) == nil)
        #expect(Digest(hex: hex + "0") == nil)
        #expect(Digest(hex: "g" + hex.dropFirst()) == nil)
        #expect(Digest(hex: "") == nil)
        #expect(Digest(hex: " " + hex.dropFirst()) == nil)
    }

    @Test("raw bytes give the same digest as hex")
    func rawBytes() {
        let bytes: [UInt8] = (0..<32).map { UInt8($0) }
        let digest = Digest(bytes: bytes)
        #expect(digest.hex == "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")
    }

    @Test("digests order by their bytes")
    func ordering() throws {
        let low = try #require(Digest(hex: "00" + String(repeating: "f", count: 62)))
        let high = try #require(Digest(hex: "01" + String(repeating: "0", count: 62)))
        #expect(low < high)
        #expect(!(high < low))
    }

    @Test("the builder hashes streamed bytes like the one-shot digest")
    func builderStreams() {
        var builder = DigestBuilder()
        for part in ["a", "b", "c"] {
            Array(part.utf8).withUnsafeBytes { builder.update($0) }
        }
        #expect(builder.finalize() == Digest.of(string: "abc"))
    }

    @Test("length-prefixed fields cannot run together")
    func fieldsDoNotRunTogether() {
        var one = DigestBuilder()
        one.field("ab"); one.field("c")
        var two = DigestBuilder()
        two.field("a"); two.field("bc")
        #expect(one.finalize() != two.finalize())

        var three = DigestBuilder()
        three.field(Digest.of(string: "x")); three.field(UInt64(7))
        var four = DigestBuilder()
        four.field(Digest.of(string: "x")); four.field(UInt64(7))
        #expect(three.finalize() == four.finalize())
    }
}
