import Foundation
import SPOPipelineSpec
import SPOWire

/// The optimizer's side of the weights broadcast, for either transport
/// (docs/runtime.md, "Weights"):
///
/// - `checkpoint_file`: a new version is announced with the `path` of its saved
///   `model.safetensors`; the announcement is repeated every `announcementInterval`.
/// - `stream`: a new version is sent whole, file by file (the policy's
///   `model.safetensors`, then with a critic `critic/model.safetensors`): each file's
///   announcement (`chunk_count`, `total_bytes`, CRC-32, `file`), then its chunks in
///   index order (`StreamedWeightsFile`, 1 MiB each). The bytes are those of the files the
///   store saved, read back once and kept in memory. Every `announcementInterval` the
///   announcements alone are repeated (cheap, whatever the model's size); the chunks are
///   sent again only when a reader asks (`control` `resend_weights`, relayed by the
///   driver), at most once per `resendInterval` however many readers ask.
///
/// A subscriber that joins late or drops messages thus sees the newest version's
/// announcement within a second and, if it misses chunks, gets them again within about
/// two announcement intervals (`WeightsAssembly`).
final class WeightsBroadcast {
    /// Announcements of the newest version are this far apart.
    static let announcementInterval: Duration = .seconds(1)
    /// Requested re-broadcasts of the chunks are at least this far apart.
    static let resendInterval: Duration = .seconds(1)

    private let transport: WeightsTransport
    private let store: WeightsStore
    private let includesCritic: Bool
    /// The version broadcast (nil before the first `publish`).
    private(set) var version: Int?
    private var announcements: [WeightsAnnouncement] = []
    private var files: [StreamedWeightsFile] = []
    private var resendRequested = false
    private var nextAnnouncement = ContinuousClock.now
    private var nextResend = ContinuousClock.now

    /// Broadcasts the versions of `store` by `transport`, with each version's critic when
    /// `includesCritic` (value kind critic).
    init(transport: WeightsTransport, store: WeightsStore, includesCritic: Bool) {
        self.transport = transport
        self.store = store
        self.includesCritic = includesCritic
    }

    /// Makes the saved `version` the one broadcast and sends it (announcement, or
    /// announcements and chunks). `saved`: the announcement `WeightsStore.save` returned
    /// for it, if at hand (else the file is read again for its size and CRC-32).
    func publish(version: Int, saved: WeightsAnnouncement? = nil, iteration: Int, runtime: StageRuntime) throws {
        self.version = version
        switch transport {
        case .checkpointFile:
            files = []
            announcements = [try saved ?? store.announcement(version: version)]
        case .stream:
            var names = [WeightsAnnouncement.policyFile]
            if includesCritic { names.append(WeightsStore.criticFile) }
            files = try names.map { name in
                let url = store.versionDirectory(version).appendingPathComponent(name)
                return StreamedWeightsFile(version: version, file: name, bytes: try Data(contentsOf: url))
            }
            announcements = try files.map { try $0.announcement() }
            runtime.log("streaming weights version \(version): " + files.map { "\($0.file) \($0.bytes.count) bytes in \($0.chunkCount) chunk(s)" }.joined(separator: ", "))
        }
        try send(chunks: true, iteration: iteration, runtime: runtime)
        resendRequested = false
        nextResend = .now + Self.resendInterval
    }

    /// A reader asked for the chunks again (`control` `resend_weights`).
    func requestResend() {
        if transport == .stream { resendRequested = true }
    }

    /// The periodic part, called on every turn of the stage loop: the announcements every
    /// `announcementInterval`, the chunks as well when a re-send was asked for and
    /// `resendInterval` has passed since the last time they were sent.
    func tick(iteration: Int, runtime: StageRuntime) throws {
        guard version != nil else { return }
        let now = ContinuousClock.now
        if resendRequested && now >= nextResend {
            resendRequested = false
            nextResend = now + Self.resendInterval
            runtime.log("re-broadcasting weights version \(version!) on a reader's request")
            return try send(chunks: true, iteration: iteration, runtime: runtime)
        }
        guard now >= nextAnnouncement else { return }
        nextAnnouncement = now + Self.announcementInterval
        try send(chunks: false, iteration: iteration, runtime: runtime)
    }

    private func send(chunks: Bool, iteration: Int, runtime: StageRuntime) throws {
        guard let version else { return }
        for (index, announcement) in announcements.enumerated() {
            try runtime.publishWeights(.weightsAnnouncement(announcement), version: version, iteration: iteration)
            guard chunks, index < files.count else { continue }
            let file = files[index]
            for chunk in 0..<file.chunkCount {
                try runtime.publishWeights(.weightsChunk(try file.chunk(chunk)), version: version, iteration: iteration)
            }
        }
        nextAnnouncement = .now + Self.announcementInterval
    }
}
