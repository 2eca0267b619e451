import Foundation
import SPOWire

/// A reader's side of weights transport `stream` for one file (`model.safetensors` for
/// the policy, `critic/model.safetensors` for PPO's critic): puts a version together from
/// its `weights_announcement` and `weights_chunk` messages, which a PUB/SUB broadcast
/// may lose (a late subscriber, a slow reader), reorder across re-broadcasts, or repeat.
///
/// - Only versions newer than the one held count, and only the newest of them: a
///   message of an older version is ignored; one of a newer version drops what was
///   gathered of the older one.
/// - Chunks are kept by index, in any order and also before their announcement; a second
///   chunk with an index already held is ignored.
/// - A version is complete when its announcement is in and chunks 0..<chunk_count are
///   held with that count; then the pieces, in index order, must tile [0, total_bytes)
///   (chunk i's offset = the sizes of chunks 0..<i, their sum = total_bytes) and the
///   whole must have the announced CRC-32. A whole that passes is returned and becomes the
///   held version; one that fails is dropped, and the version asked for again.
/// - Asking again (`Event.requestResend`): the optimizer re-announces its newest version
///   every second. An announcement of the version being gathered that finds it still
///   incomplete, when the version was already announced before (so its chunks had a
///   whole announcement interval to arrive), asks for a re-broadcast; at most once per
///   `requestInterval`, since the re-broadcast's own announcement arrives before its
///   chunks.
///
/// Memory: at most one version's chunks (its size in bytes, and once more while joining
/// them).
public struct WeightsAssembly {
    /// What a message completed or needs.
    public enum Event: Equatable, Sendable {
        /// The verified bytes of `version`.
        case complete(version: Int, bytes: Data)
        /// The version is incomplete or failed its checks: ask for a re-broadcast.
        case requestResend(version: Int, reason: String)
    }

    /// Requests for one version are at least this far apart.
    public static let requestInterval: Duration = .seconds(2)

    /// The file assembled.
    public let file: String
    /// The newest version completed (the stage's starting policy is version 0).
    public private(set) var heldVersion: Int
    /// The version being gathered, if any.
    public private(set) var gatheringVersion: Int?
    private var announcement: WeightsAnnouncement?
    private var announcementsSeen = 0
    private var chunks: [Int: WeightsChunk] = [:]
    private var lastRequest: ContinuousClock.Instant?

    /// Assembles `file`, holding `heldVersion` already.
    public init(file: String, heldVersion: Int = 0) {
        self.file = file
        self.heldVersion = heldVersion
    }

    /// Chunks held of the version being gathered.
    public var chunksHeld: Int { chunks.count }

    /// Takes an announcement (one with `chunk_count`; others are ignored).
    public mutating func receive(_ announcement: WeightsAnnouncement, now: ContinuousClock.Instant = .now) -> Event? {
        guard announcement.file == file, case .chunks = announcement.source, gather(announcement.version) else {
            return nil
        }
        if let known = self.announcement, known != announcement {
            chunks.removeAll()  // the same version re-made with other bytes: start over
            announcementsSeen = 0
        }
        chunks = chunks.filter { $0.value.count == chunkCount(announcement) }
        self.announcement = announcement
        announcementsSeen += 1
        if let event = completeIfReady(now: now) { return event }
        guard announcementsSeen >= 2 else { return nil }
        return request(now: now, reason: "\(chunks.count) of \(chunkCount(announcement)) chunks after an announcement interval")
    }

    /// Takes a chunk.
    public mutating func receive(_ chunk: WeightsChunk, now: ContinuousClock.Instant = .now) -> Event? {
        guard chunk.file == file, gather(chunk.version), chunks[chunk.index] == nil else { return nil }
        if let announcement, chunk.count != chunkCount(announcement) { return nil }
        chunks[chunk.index] = chunk
        return completeIfReady(now: now)
    }

    /// Whether messages of `version` count; switches to it when it is newer than the
    /// version being gathered.
    private mutating func gather(_ version: Int) -> Bool {
        guard version > heldVersion else { return false }
        if let gatheringVersion {
            guard version >= gatheringVersion else { return false }
            if version == gatheringVersion { return true }
        }
        gatheringVersion = version
        announcement = nil
        announcementsSeen = 0
        chunks.removeAll()
        lastRequest = nil
        return true
    }

    private func chunkCount(_ announcement: WeightsAnnouncement) -> Int {
        if case .chunks(let count) = announcement.source { return count }
        return 0
    }

    private mutating func completeIfReady(now: ContinuousClock.Instant) -> Event? {
        guard let announcement else { return nil }
        let count = chunkCount(announcement)
        guard chunks.count == count, chunks.values.allSatisfy({ $0.count == count }) else { return nil }
        var whole = Data(capacity: announcement.totalBytes)
        for index in 0..<count {
            let chunk = chunks[index]!
            guard chunk.offset == whole.count, whole.count + chunk.data.count <= announcement.totalBytes else {
                return fail("chunk \(index) at offset \(chunk.offset) with \(chunk.data.count) bytes does not follow the \(whole.count) bytes before it within \(announcement.totalBytes)", now: now)
            }
            whole.append(chunk.data)
        }
        guard whole.count == announcement.totalBytes else {
            return fail("\(whole.count) bytes in \(count) chunks, announced \(announcement.totalBytes)", now: now)
        }
        let checksum = WeightsAnnouncement.checksumString(CRC32.checksum(whole))
        guard checksum == announcement.checksum else {
            return fail("checksum \(checksum), announced \(announcement.checksum)", now: now)
        }
        heldVersion = announcement.version
        gatheringVersion = nil
        self.announcement = nil
        chunks.removeAll()
        return .complete(version: heldVersion, bytes: whole)
    }

    /// Drops the chunks of a version that failed its checks and asks for it again.
    private mutating func fail(_ reason: String, now: ContinuousClock.Instant) -> Event? {
        chunks.removeAll()
        return request(now: now, reason: reason)
    }

    private mutating func request(now: ContinuousClock.Instant, reason: String) -> Event? {
        guard let version = gatheringVersion else { return nil }
        if let lastRequest, now - lastRequest < Self.requestInterval { return nil }
        lastRequest = now
        return .requestResend(version: version, reason: reason)
    }
}
