/// Reads the members of one JSON object of a spec as typed values, reporting bad ones;
/// `finish` then reports the keys the object may not have (with the nearest valid key)
/// and keys written twice.
struct ObjectReader {
    let path: JSONPath
    let members: [JSONMember]
    let reading: SpecReading

    /// Reads `node` as an object, or reports `expected` (default `an object`) and fails.
    init?(_ node: JSONNode, at path: JSONPath, reading: SpecReading, expected: String = "an object") {
        guard case .object(let members) = node else {
            reading.report(path, expected: expected, found: node)
            return nil
        }
        self.path = path
        self.members = members
        self.reading = reading
    }

    /// The value of `key` (its last occurrence), or nil.
    func node(_ key: String) -> JSONNode? {
        members.last { $0.key == key }?.value
    }

    /// Whether the object has `key`.
    func contains(_ key: String) -> Bool {
        members.contains { $0.key == key }
    }

    /// The object under `key`: nil when missing, or reported when not an object.
    func object(_ key: String) -> ObjectReader? {
        node(key).flatMap { ObjectReader($0, at: path.appending(key), reading: reading) }
    }

    /// Reports every key not in `allowed` (with the hint from `note`, such as "belongs
    /// to partition kind fixed", or else the nearest allowed key), and every repeated key.
    /// `owner` names the object in messages: `optimize`, `partition kind cutpoint`.
    func finish(allowed: [String], owner: String, note: (String) -> String? = { _ in nil }) {
        var seen = Set<String>(), repeated = Set<String>()
        for member in members {
            let memberPath = path.appending(member.key)
            if !seen.insert(member.key).inserted {
                guard repeated.insert(member.key).inserted else { continue }
                let count = members.filter { $0.key == member.key }.count
                reading.report(
                    memberPath, expected: "each key once in an object",
                    found: "\(quoted(member.key)) \(count) times",
                    hint: "the last one would silently win; remove the others")
                continue
            }
            guard !allowed.contains(member.key) else { continue }
            let hint = note(member.key)
                ?? Suggestion.hint(for: member.key, in: allowed)
                ?? (allowed.count <= 10
                    ? "the keys of \(owner) are " + allowed.map(quoted).joined(separator: ", ")
                    : "docs/pipeline-spec.md lists the keys of \(owner)")
            reading.report(
                memberPath, expected: "a key of \(owner)", found: "unknown key \(quoted(member.key))", hint: hint)
        }
    }

    /// The integer under `key`, or `fallback` when missing (or after reporting a bad value).
    func integer(_ key: String, _ range: IntegerRange, default fallback: Int) -> Int {
        optionalInteger(key, range) ?? fallback
    }

    /// The integer under `key`; nil (after reporting) when missing or bad.
    func requiredInteger(_ key: String, _ range: IntegerRange) -> Int? {
        guard let node = node(key) else {
            reading.report(path.appending(key), expected: range.description, found: nil)
            return nil
        }
        return reading.integer(node, at: path.appending(key), range)
    }

    /// The integer under `key`; nil when missing (no issue) or bad (reported).
    func optionalInteger(_ key: String, _ range: IntegerRange) -> Int? {
        node(key).flatMap { reading.integer($0, at: path.appending(key), range) }
    }

    /// The number under `key`, or `fallback`.
    func number(_ key: String, _ range: NumberRange, default fallback: Double) -> Double {
        node(key).flatMap { reading.number($0, at: path.appending(key), range) } ?? fallback
    }

    /// The boolean under `key`, or `fallback`.
    func bool(_ key: String, default fallback: Bool) -> Bool {
        node(key).flatMap { reading.bool($0, at: path.appending(key)) } ?? fallback
    }

    /// The non-empty string under `key`; nil (after reporting `what` expected) when
    /// missing or bad.
    func requiredString(_ key: String, what: String = "a non-empty string") -> String? {
        guard let node = node(key) else {
            reading.report(path.appending(key), expected: what, found: nil)
            return nil
        }
        return reading.string(node, at: path.appending(key), what: what)
    }

    /// The non-empty string under `key`, or `fallback`.
    func string(_ key: String, what: String = "a non-empty string", default fallback: String) -> String {
        node(key).flatMap { reading.string($0, at: path.appending(key), what: what) } ?? fallback
    }

    /// The choice under `key`, or `fallback` when missing or bad.
    func choice<Choice: SpecChoice>(_ key: String, default fallback: Choice) -> Choice {
        optionalChoice(key) ?? fallback
    }

    /// The choice under `key`; nil when missing (no issue) or bad (reported).
    func optionalChoice<Choice: SpecChoice>(_ key: String, as type: Choice.Type = Choice.self) -> Choice? {
        node(key).flatMap { reading.choice($0, at: path.appending(key), as: type) }
    }
}

extension ObjectReader {
    /// A reader of an object with no members at `path`: what an absent section reads
    /// as, so that every key takes its default.
    static func empty(at path: JSONPath, reading: SpecReading) -> ObjectReader {
        ObjectReader(path: path, members: [], reading: reading)
    }

    private init(path: JSONPath, members: [JSONMember], reading: SpecReading) {
        self.path = path
        self.members = members
        self.reading = reading
    }

    /// The section under `key` whose parameters depend on its `kind`: the written kind,
    /// or `fallback` when the section or its `kind` is absent. After a bad kind, or a
    /// section that is not an object, the section reads as empty (its other keys are
    /// not checked against a kind the user did not mean).
    func kindedSection<Kind: SpecChoice>(_ key: String, default fallback: Kind) -> KindedSection<Kind> {
        let sectionPath = path.appending(key)
        guard let node = node(key) else {
            return KindedSection(object: .empty(at: sectionPath, reading: reading), kind: fallback, kindWritten: false)
        }
        guard let object = ObjectReader(node, at: sectionPath, reading: reading) else {
            return KindedSection(object: .empty(at: sectionPath, reading: reading), kind: fallback, kindWritten: false)
        }
        guard object.contains("kind") else {
            return KindedSection(object: object, kind: fallback, kindWritten: false)
        }
        guard let kind = object.optionalChoice("kind", as: Kind.self) else {
            return KindedSection(object: .empty(at: sectionPath, reading: reading), kind: fallback, kindWritten: false)
        }
        return KindedSection(object: object, kind: kind, kindWritten: true)
    }

    /// The object under `key`, or an empty one when it is absent or not an object (the
    /// latter reported).
    func section(_ key: String) -> ObjectReader {
        object(key) ?? .empty(at: path.appending(key), reading: reading)
    }

    /// `finish` for a kinded section: the allowed keys are those of its kind; a key of
    /// another kind is named as such.
    func finish<Kind: SpecChoice>(kind: Kind, keysByKind: [Kind: [String]], owner: String) where Kind: Hashable {
        finish(allowed: keysByKind[kind] ?? ["kind"], owner: "\(owner) kind \(kind.rawValue)") { key in
            guard let other = Kind.allCases.first(where: { keysByKind[$0]?.contains(key) ?? false }) else { return nil }
            return "\(quoted(key)) belongs to \(owner) kind \(quoted(other.rawValue)); set \"kind\" to use it"
        }
    }

    /// A non-empty array of integers in `range` under `key`, or `fallback`.
    func integerArray(_ key: String, _ range: IntegerRange, default fallback: [Int]) -> [Int] {
        guard let node = node(key) else { return fallback }
        let arrayPath = path.appending(key)
        guard case .array(let elements) = node, !elements.isEmpty else {
            reading.report(arrayPath, expected: "a non-empty array of \(range.pluralDescription)", found: node)
            return fallback
        }
        let values = elements.enumerated().map { index, element in
            reading.integer(element, at: arrayPath.appending(index: index), range)
        }
        return values.contains(nil) ? fallback : values.compactMap { $0 }
    }
}

/// A section whose keys depend on its `kind`; see `ObjectReader.kindedSection`.
struct KindedSection<Kind> {
    /// The section (empty when absent or unusable).
    let object: ObjectReader
    /// The kind in force.
    let kind: Kind
    /// Whether the spec wrote a valid `kind`.
    let kindWritten: Bool
}
