import Foundation
import XCTest
import SPOWire
@testable import SPORuntime

/// Weights transport `stream`: cutting a file into chunks, and putting a version
/// together from chunks that a broadcast lost, reordered or repeated.
///
/// The file is 2.5 MiB, byte i = i mod 251. Its CRC-32 by Python's `zlib.crc32` is
/// 0x2fb8c828, and that of its first MiB 0xef0e6054.
final class StreamedWeightsTests: XCTestCase {
    static let bytes = Data((0..<2_621_440).map { UInt8($0 % 251) })
    let file = StreamedWeightsFile(version: 3, file: "model.safetensors", bytes: StreamedWeightsTests.bytes)
    let start = ContinuousClock.now

    func chunks(_ indices: [Int], of file: StreamedWeightsFile? = nil) throws -> [WeightsChunk] {
        try indices.map { try (file ?? self.file).chunk($0) }
    }

    /// 2,621,440 bytes in 1 MiB chunks: ⌈2.5⌉ = 3 chunks at offsets 0, 1 MiB, 2 MiB, the
    /// last one half a MiB; the announcement carries the count, size and zlib's CRC-32.
    func testChunkingByHand() throws {
        XCTAssertEqual(StreamedWeightsFile.chunkBytes, 1_048_576)
        XCTAssertEqual(file.chunkCount, 3)
        let announcement = try file.announcement()
        XCTAssertEqual(announcement.source, .chunks(count: 3))
        XCTAssertEqual(announcement.totalBytes, 2_621_440)
        XCTAssertEqual(announcement.checksum, "crc32:2fb8c828")
        XCTAssertEqual(announcement.version, 3)
        let pieces = try chunks([0, 1, 2])
        XCTAssertEqual(pieces.map(\.offset), [0, 1_048_576, 2_097_152])
        XCTAssertEqual(pieces.map(\.data.count), [1_048_576, 1_048_576, 524_288])
        XCTAssertEqual(pieces.map(\.count), [3, 3, 3])
        XCTAssertEqual(WeightsAnnouncement.checksumString(CRC32.checksum(pieces[0].data)), "crc32:ef0e6054")
        XCTAssertEqual(pieces[2].data.first, UInt8(2_097_152 % 251))
        XCTAssertEqual(StreamedWeightsFile(version: 0, file: "x", bytes: Data()).chunkCount, 1)
        XCTAssertEqual(StreamedWeightsFile.chunkCount(bytes: 1_048_576), 1)
        XCTAssertEqual(StreamedWeightsFile.chunkCount(bytes: 1_048_577), 2)
    }

    func testInOrderVersionCompletesOnItsLastChunk() throws {
        var assembly = WeightsAssembly(file: "model.safetensors")
        XCTAssertNil(assembly.receive(try file.announcement(), now: start))
        let pieces = try chunks([0, 1, 2])
        XCTAssertNil(assembly.receive(pieces[0], now: start))
        XCTAssertNil(assembly.receive(pieces[1], now: start))
        XCTAssertEqual(assembly.receive(pieces[2], now: start), .complete(version: 3, bytes: Self.bytes))
        XCTAssertEqual(assembly.heldVersion, 3)
        XCTAssertNil(assembly.gatheringVersion)
        // The version held is not assembled again (re-announcements, re-broadcasts).
        XCTAssertNil(assembly.receive(try file.announcement(), now: start))
        XCTAssertNil(assembly.receive(pieces[0], now: start))
        XCTAssertNil(assembly.gatheringVersion)
    }

    /// Chunks out of order, one twice, all before the announcement (a subscriber that
    /// caught a re-broadcast's chunks after its announcement went by).
    func testReorderedAndDuplicatedChunksBeforeTheAnnouncement() throws {
        var assembly = WeightsAssembly(file: "model.safetensors")
        for chunk in try chunks([2, 0, 2, 1]) {
            XCTAssertNil(assembly.receive(chunk, now: start))
        }
        XCTAssertEqual(assembly.chunksHeld, 3)
        XCTAssertEqual(assembly.receive(try file.announcement(), now: start), .complete(version: 3, bytes: Self.bytes))
    }

    /// A lost chunk: the next announcement (a second later) asks for the version again;
    /// more announcements within `requestInterval` (2 s) do not; the re-broadcast
    /// completes it.
    func testLostChunkIsAskedForAgainAtTheNextAnnouncement() throws {
        var assembly = WeightsAssembly(file: "model.safetensors")
        let announcement = try file.announcement()
        XCTAssertNil(assembly.receive(announcement, now: start))
        for chunk in try chunks([0, 2]) { XCTAssertNil(assembly.receive(chunk, now: start)) }
        guard case .requestResend(3, let reason)? = assembly.receive(announcement, now: start + .seconds(1)) else {
            return XCTFail("the second announcement of an incomplete version asks for it again")
        }
        XCTAssertEqual(reason, "2 of 3 chunks after an announcement interval")
        XCTAssertNil(assembly.receive(announcement, now: start + .milliseconds(1500)))
        XCTAssertEqual(
            assembly.receive(announcement, now: start + .milliseconds(3100)),
            .requestResend(version: 3, reason: "2 of 3 chunks after an announcement interval"))
        // The re-broadcast: its announcement (within 2 s of the request: no new request),
        // then every chunk again; the missing one completes the version.
        XCTAssertNil(assembly.receive(announcement, now: start + .milliseconds(3200)))
        let again = try chunks([0, 1, 2])
        XCTAssertNil(assembly.receive(again[0], now: start + .milliseconds(3200)))
        XCTAssertEqual(assembly.receive(again[1], now: start + .milliseconds(3200)), .complete(version: 3, bytes: Self.bytes))
    }

    /// A late subscriber sees only re-announcements: the second asks for the chunks.
    func testLateSubscriberAsksAfterTwoAnnouncements() throws {
        var assembly = WeightsAssembly(file: "model.safetensors")
        XCTAssertNil(assembly.receive(try file.announcement(), now: start))
        XCTAssertEqual(
            assembly.receive(try file.announcement(), now: start + .seconds(1)),
            .requestResend(version: 3, reason: "0 of 3 chunks after an announcement interval"))
    }

    /// Bytes that do not match the announced CRC-32 (or size) are dropped and asked for
    /// again; the version is not held.
    func testBadChecksumOrSizeIsRejected() throws {
        var assembly = WeightsAssembly(file: "model.safetensors")
        let wrong = try WeightsAnnouncement(
            version: 3, format: "safetensors", source: .chunks(count: 3), totalBytes: 2_621_440, checksum: "crc32:00000000")
        XCTAssertNil(assembly.receive(wrong, now: start))
        let pieces = try chunks([0, 1, 2])
        XCTAssertNil(assembly.receive(pieces[0], now: start))
        XCTAssertNil(assembly.receive(pieces[1], now: start))
        XCTAssertEqual(
            assembly.receive(pieces[2], now: start),
            .requestResend(version: 3, reason: "checksum crc32:2fb8c828, announced crc32:00000000"))
        XCTAssertEqual(assembly.heldVersion, 0)
        XCTAssertEqual(assembly.chunksHeld, 0)
        // The correct announcement and chunks (a re-broadcast) then complete it.
        XCTAssertNil(assembly.receive(try file.announcement(), now: start + .seconds(3)))
        for chunk in pieces.dropLast() { XCTAssertNil(assembly.receive(chunk, now: start + .seconds(3))) }
        XCTAssertEqual(assembly.receive(pieces[2], now: start + .seconds(3)), .complete(version: 3, bytes: Self.bytes))

        var sized = WeightsAssembly(file: "model.safetensors")
        let short = try WeightsAnnouncement(
            version: 3, format: "safetensors", source: .chunks(count: 3), totalBytes: 2_621_439, checksum: "crc32:2fb8c828")
        XCTAssertNil(sized.receive(short, now: start))
        XCTAssertNil(sized.receive(pieces[0], now: start))
        XCTAssertNil(sized.receive(pieces[1], now: start))
        guard case .requestResend(3, let reason)? = sized.receive(pieces[2], now: start) else {
            return XCTFail("a size mismatch asks again")
        }
        XCTAssertTrue(reason.contains("chunk 2 at offset 2097152 with 524288 bytes"), reason)
    }

    /// Only the newest version newer than the one held is gathered; another file's
    /// messages are not this assembly's.
    func testVersionsAndFiles() throws {
        var assembly = WeightsAssembly(file: "model.safetensors", heldVersion: 3)
        XCTAssertNil(assembly.receive(try file.announcement(), now: start))
        XCTAssertNil(assembly.gatheringVersion, "version 3 is held")
        let v4 = StreamedWeightsFile(version: 4, file: "model.safetensors", bytes: Data(Self.bytes.prefix(10)))
        let v5 = StreamedWeightsFile(version: 5, file: "model.safetensors", bytes: Data(Self.bytes.prefix(20)))
        XCTAssertNil(assembly.receive(try v5.chunk(0), now: start))
        XCTAssertNil(assembly.receive(try v4.announcement(), now: start), "older than the version gathered")
        XCTAssertNil(assembly.receive(try v4.chunk(0), now: start))
        XCTAssertEqual(assembly.gatheringVersion, 5)
        let critic = StreamedWeightsFile(version: 5, file: WeightsStore.criticFile, bytes: Data(Self.bytes.prefix(20)))
        XCTAssertNil(assembly.receive(try critic.announcement(), now: start))
        XCTAssertEqual(assembly.receive(try v5.announcement(), now: start), .complete(version: 5, bytes: Data(Self.bytes.prefix(20))))

        var critics = WeightsAssembly(file: WeightsStore.criticFile)
        XCTAssertNil(critics.receive(try v5.chunk(0), now: start))
        XCTAssertEqual(critics.chunksHeld, 0)
        XCTAssertNil(critics.receive(try critic.chunk(0), now: start))
        XCTAssertEqual(critics.receive(try critic.announcement(), now: start), .complete(version: 5, bytes: Data(Self.bytes.prefix(20))))
        XCTAssertEqual(WeightsStore.criticFile, "critic/model.safetensors")
    }

    /// The `file` key travels only when it is not the default, so a policy file's
    /// messages have the bytes they had before the key existed; `resend_weights` is a
    /// control kind.
    func testFileKeyAndResendRequestOnTheWire() throws {
        func roundTrip(_ body: MessageBody) throws -> (MessageBody, MessagePackValue) {
            let envelope = try Envelope(runID: "r", messageID: "m", stage: "optimize", replica: 0, iteration: 0, policyVersion: 5)
            let message = Message(envelope: envelope, body: body)
            guard case .map(let map) = MessageCodec.messagePack(message), let wireBody = map["body"] else {
                throw RuntimeError("messages are maps")
            }
            return (try MessageCodec.decode(MessageCodec.encode(message)).body, wireBody)
        }
        let critic = StreamedWeightsFile(version: 5, file: WeightsStore.criticFile, bytes: Data([1, 2, 3]))
        let (chunk, chunkMap) = try roundTrip(.weightsChunk(try critic.chunk(0)))
        XCTAssertEqual(chunk, .weightsChunk(try critic.chunk(0)))
        guard case .map(let fields) = chunkMap else { return XCTFail("a map") }
        XCTAssertEqual(fields["file"], .string("critic/model.safetensors"))
        let policy = StreamedWeightsFile(version: 5, file: "model.safetensors", bytes: Data([1, 2, 3]))
        let (announcement, announcementMap) = try roundTrip(.weightsAnnouncement(try policy.announcement()))
        XCTAssertEqual(announcement, .weightsAnnouncement(try policy.announcement()))
        guard case .map(let policyFields) = announcementMap else { return XCTFail("a map") }
        XCTAssertNil(policyFields["file"])
        XCTAssertEqual(policyFields["chunk_count"], .int(1))
        XCTAssertEqual(try roundTrip(.control(.resendWeights)).0, .control(.resendWeights))
    }
}
