/// A MessagePack map with string keys, in insertion order (the order they are packed in).
///
/// Lookup is linear: wire maps have a dozen keys. Equality compares entries in order.
/// (Entries are structs, not tuples: arrays of tuples need run-time type metadata, which
/// made decoding several times slower.)
/// Keys are unique: setting an existing key replaces its value in place.
public struct MessagePackMap: Sendable, Equatable, ExpressibleByDictionaryLiteral {
    /// One key and its value.
    public struct Entry: Sendable, Equatable {
        /// The key.
        public var key: String
        /// Its value.
        public var value: MessagePackValue

        /// Memberwise initialiser.
        public init(key: String, value: MessagePackValue) {
            self.key = key
            self.value = value
        }
    }

    /// The entries, in order.
    public private(set) var entries: [Entry] = []

    /// An empty map.
    public init() {}

    /// A map of `elements` in order; the keys must be distinct.
    public init(dictionaryLiteral elements: (String, MessagePackValue)...) {
        entries.reserveCapacity(elements.count)
        for (key, value) in elements {
            precondition(self[key] == nil, "MessagePackMap literal repeats the key \"\(key)\"")
            entries.append(Entry(key: key, value: value))
        }
    }

    /// A map of `entries`, which must have distinct keys (checked by the caller).
    init(uniqueEntries entries: [Entry]) {
        self.entries = entries
    }

    /// The number of entries.
    public var count: Int { entries.count }

    /// The keys, in order.
    public var keys: [String] { entries.map(\.key) }

    /// The value for `key`; setting nil removes the key.
    public subscript(key: String) -> MessagePackValue? {
        get { entries.first { $0.key == key }?.value }
        set {
            let index = entries.firstIndex { $0.key == key }
            switch (index, newValue) {
            case (let index?, let value?): entries[index].value = value
            case (let index?, nil): entries.remove(at: index)
            case (nil, let value?): entries.append(Entry(key: key, value: value))
            case (nil, nil): break
            }
        }
    }

}
