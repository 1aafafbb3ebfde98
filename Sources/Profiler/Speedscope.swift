import Foundation

/// speedscope's JSON file format (https://www.speedscope.app/file-format-schema.json), as
/// "sampled" profiles: one per thread, shared frame table, each distinct stack once with its
/// weight (samples × sampling interval, in nanoseconds of CPU time).
public enum Speedscope {
    struct File: Encodable {
        let schema = "https://www.speedscope.app/file-format-schema.json"
        var shared: Shared
        var profiles: [SampledProfile]
        var name: String
        var activeProfileIndex: Int
        var exporter: String

        enum CodingKeys: String, CodingKey {
            case schema = "$schema", shared, profiles, name, activeProfileIndex, exporter
        }
    }

    struct Shared: Encodable { var frames: [Frame] }
    struct Frame: Encodable { var name: String }

    struct SampledProfile: Encodable {
        var type = "sampled"
        var name: String
        var unit = "nanoseconds"
        var startValue: Int
        var endValue: Int
        /// Indices into `shared.frames`, root first.
        var samples: [[Int]]
        var weights: [Int]
    }

    /// Renders the profile as speedscope JSON.
    public static func render(_ profile: NamedProfile, name: String = "volley profile", exporter: String = "volley") -> Data {
        var frameIndex: [String: Int] = [:]
        var frames: [Frame] = []
        var byThread: [String: SampledProfile] = [:]
        var threadOrder: [String] = []
        let interval = 1_000_000_000 / max(1, profile.hz)
        for stack in profile.stacks {
            let indices = stack.frames.map { name -> Int in
                if let index = frameIndex[name] { return index }
                frames.append(Frame(name: name))
                frameIndex[name] = frames.count - 1
                return frames.count - 1
            }
            if byThread[stack.thread] == nil {
                threadOrder.append(stack.thread)
                byThread[stack.thread] = SampledProfile(name: stack.thread, startValue: 0, endValue: 0, samples: [], weights: [])
            }
            let weight = stack.count * interval
            byThread[stack.thread]!.samples.append(indices)
            byThread[stack.thread]!.weights.append(weight)
            byThread[stack.thread]!.endValue += weight
        }
        // The busiest thread opens first.
        let profiles = threadOrder.compactMap { byThread[$0] }.sorted { $0.endValue > $1.endValue }
        let file = File(shared: Shared(frames: frames), profiles: profiles, name: name,
                        activeProfileIndex: 0, exporter: exporter)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return (try? encoder.encode(file)) ?? Data("{}".utf8)
    }
}
