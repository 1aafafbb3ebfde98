import Foundation
import Profiler
import Synchronization
import UVKit

/// `GET /debug/profile?seconds=N&format=folded|speedscope|svg`, like Go's pprof endpoint: a window
/// cut out of the process's sampler (started for the window if it is off). The async model opens
/// the window, answers from a timer when it ends, and renders on the work queue, so the loop never
/// blocks; the sync model waits on its own thread.
public enum OnDemandProfile {
    /// Samples per thread CPU-second for on-demand windows (`volley serve --profile-hz`).
    public static var hz: Int {
        get { hzSetting.load(ordering: .relaxed) }
        set { hzSetting.store(newValue, ordering: .relaxed) }
    }
    private static let hzSetting = Atomic<Int>(Profiler.defaultHz)

    /// Opens a window, or the answer to give when the profiler cannot.
    static func begin() -> Result<ProfileWindow, ProfileUnavailable> {
        do { return .success(try Profiler.shared.beginWindow(hz: hz)) } catch {
            return .failure(ProfileUnavailable(response: Response(status: 503, body: .text("\(error)\n"))))
        }
    }

    /// Closes the window and renders it (symbolization included: off the loop, please).
    static func finish(_ window: ProfileWindow, format: ProfileFormat) -> Response {
        let profile = Profiler.shared.endWindow(window)
        let data = profile.rendered(as: format, title: "volley serve: /debug/profile")
        let type: ContentType = switch format {
        case .folded: .utf8Text
        case .speedscope: .json
        case .svg: .svg
        }
        return Response(contentType: type, body: .bytes([UInt8](data)))
    }

    /// Blocks the calling thread for the window (the sync model's threads do that anyway).
    static func record(seconds: Int, format: ProfileFormat) -> Response {
        switch begin() {
        case .failure(let unavailable): return unavailable.response
        case .success(let window):
            usleep(UInt32(seconds) * 1_000_000)
            return finish(window, format: format)
        }
    }

    /// Registers the calling thread with the sampler so that profiles include it (idle until one runs).
    static func registerThread() { Profiler.registerCurrentThread() }

    private static let poolRegistered = Mutex(false)

    /// Registers libuv's work-queue threads once per process (they live as long as it does),
    /// by queueing one job per thread from `loop` (which must not be running yet).
    static func registerWorkQueue(from loop: EventLoop) {
        let first = poolRegistered.withLock { done -> Bool in
            defer { done = true }
            return !done
        }
        guard first else { return }
        // getenv, not ProcessInfo: the command line may have set it (setenv) just before.
        let size = getenv("UV_THREADPOOL_SIZE").flatMap { Int(String(cString: $0)) }.map { min(max($0, 1), 1024) } ?? 4
        Profiler.registerPoolThreads(size: size) { job in loop.queueWork(job, completion: {}) }
    }
}

/// The answer when no profile can be taken (e.g. libunwind missing).
struct ProfileUnavailable: Error {
    let response: Response
}
