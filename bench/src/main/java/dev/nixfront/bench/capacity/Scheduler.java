package dev.nixfront.bench.capacity;

import java.util.Comparator;
import java.util.PriorityQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs the simulated executions (clients pushing, Lambda invocations) as virtual threads in strict
 * virtual-time lock-step: one turn is passed around, and only its holder issues requests. Before
 * each request an execution hands the turn to whichever is earliest ({@link #turn}), so requests
 * reach the partitions in the order of their virtual start times, which is what makes the fluid
 * queues of {@link Meter} first come, first served. A hand-over wakes exactly the next execution
 * (its own semaphore), never all of them.
 *
 * <p>One service fans out on threads of its own: {@code UploadService} looks NARs up on a pool of
 * {@value #FORK_WIDTH} threads while its caller waits. Those threads inherit the execution that made
 * them and issue its requests on {@value #FORK_WIDTH} virtual lanes: each request starts when the
 * earliest lane is free, whichever real thread runs it (one pool thread may take eighty tasks before
 * the others start), and waits for the turn at that time like any execution; the first one takes
 * the turn from its execution, which then waits for it again at the latest lane end. Were the lanes
 * to issue while their execution held the turn, a lookup due seconds later would be queued at a
 * partition before other clients' requests due now.
 */
final class Scheduler {
    /** {@code UploadService.LOOKUP_THREADS}: the width of the only fan-out in the services. */
    static final int FORK_WIDTH = 16;

    /** One simulated thread of control (or one request of a fan-out); {@code now} is its virtual time since the start. */
    static final class Execution {
        private final long seq;
        private final Semaphore turn = new Semaphore(0);
        private final AtomicLong now;
        private final AtomicLong forkEnd;
        /** When each lane of the fan-out in progress is free; empty between fan-outs. */
        private final PriorityQueue<Long> lanes = new PriorityQueue<>();
        /** Its turn went to its fan-out's requests: it takes a place in the queue again when it goes on. */
        private boolean lent;

        private Execution(long seq, long start) {
            this.seq = seq;
            this.now = new AtomicLong(start);
            this.forkEnd = new AtomicLong(start);
        }

        private long now() {
            return now.get();
        }

        private long seq() {
            return seq;
        }

        /** Back from a fan-out (or never in one): its time is the latest lane end, and the lanes are gone. */
        private void join() {
            now.accumulateAndGet(forkEnd.get(), Math::max);
            synchronized (lanes) {
                lanes.clear();
            }
        }

        private long lane() {
            synchronized (lanes) {
                if (lanes.isEmpty()) {
                    for (int i = 0; i < FORK_WIDTH; i++) {
                        lanes.add(now());
                    }
                }
                return lanes.poll();
            }
        }

        private void laneFree(long at) {
            synchronized (lanes) {
                lanes.add(at);
            }
            forkEnd.accumulateAndGet(at, Math::max);
        }
    }

    private final ThreadLocal<Execution> current = new ThreadLocal<>();
    private final InheritableThreadLocal<Execution> owner = new InheritableThreadLocal<>();
    private final Object lock = new Object();
    private final PriorityQueue<Execution> ready =
            new PriorityQueue<>(Comparator.comparingLong(Execution::now).thenComparingLong(Execution::seq));
    /** Nobody holds the turn (a fan-out's threads are between requests): the next to ask takes it. Guarded by {@code lock}. */
    private boolean turnFree;
    private final AtomicLong seqs = new AtomicLong();
    private final AtomicLong live = new AtomicLong();
    private final AtomicLong makespan = new AtomicLong();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final CountDownLatch done = new CountDownLatch(1);

    /** Adds an execution that starts at virtual time {@code start} and runs {@code body}. */
    void spawn(String kind, long start, Runnable body) {
        Execution execution = new Execution(seqs.getAndIncrement(), start);
        synchronized (lock) {
            ready.add(execution);
            live.incrementAndGet();
        }
        Thread.ofVirtual().name(kind + "-" + execution.seq).start(() -> {
            execution.turn.acquireUninterruptibly();
            current.set(execution);
            owner.set(execution);
            try {
                if (failure.get() == null) {
                    body.run();
                }
            } catch (RuntimeException | Error e) {
                failure.compareAndSet(null, e);
            } finally {
                finish(execution);
            }
        });
    }

    /** Runs every execution spawned (and those they spawn) to its end; returns the makespan in nanoseconds. */
    long run() throws InterruptedException {
        Execution first;
        synchronized (lock) {
            first = ready.poll();
        }
        if (first == null) {
            return 0;
        }
        first.turn.release();
        done.await();
        if (failure.get() != null) {
            throw new IllegalStateException("a simulated execution failed: " + failure.get(), failure.get());
        }
        return makespan.get();
    }

    /**
     * Waits, in virtual time, until the calling execution has the earliest clock: it then holds the
     * turn and issues the next request. On a fan-out thread this does nothing: {@link #begin} waits.
     */
    void turn() {
        Execution self = current.get();
        if (self == null) {
            return;
        }
        stopIfFailed();
        self.join();
        Execution next = null;
        synchronized (lock) {
            if (self.lent) {
                self.lent = false;
                if (turnFree) {
                    turnFree = false;
                    return;
                }
                ready.add(self);
            } else {
                Execution first = ready.peek();
                if (first == null || first.now() > self.now() || (first.now() == self.now() && first.seq > self.seq)) {
                    return;
                }
                ready.add(self);
                next = ready.poll();
            }
        }
        if (next != null) {
            next.turn.release();
        }
        self.turn.acquireUninterruptibly();
    }

    /** The caller's virtual time: its execution's, or 0 outside the simulation (setting up). */
    long now() {
        Execution self = current.get();
        if (self != null) {
            self.join();
            return self.now();
        }
        Execution of = owner.get();
        return of == null ? 0 : of.now();
    }

    /**
     * When a request the caller issues now starts: its execution's time, or on a fan-out thread
     * the earliest free lane, once the turn has come to that time.
     */
    long begin() {
        Execution self = current.get();
        if (self != null) {
            self.join();
            return self.now();
        }
        Execution of = fanningOut();
        stopIfFailed();
        Execution request = new Execution(seqs.getAndIncrement(), of.lane());
        Execution next = null;
        synchronized (lock) {
            if (!of.lent) {
                // The fan-out's first request: its execution holds the turn and gives it up until the fan-out is over.
                of.lent = true;
                ready.add(request);
                next = ready.poll();
            } else if (turnFree) {
                turnFree = false;
                next = request;
            } else {
                ready.add(request);
            }
        }
        if (next != null && next != request) {
            next.turn.release();
        }
        if (next != request) {
            request.turn.acquireUninterruptibly();
        }
        return request.now();
    }

    /** The caller's request ended at {@code at}: its execution (or its lane) goes on from there. */
    void end(long at) {
        Execution self = current.get();
        if (self != null) {
            self.now.accumulateAndGet(at, Math::max);
            return;
        }
        fanningOut().laneFree(at);
        handOver();
    }

    private Execution fanningOut() {
        Execution of = owner.get();
        if (of == null) {
            throw new IllegalStateException("a metered request outside any simulated execution (thread "
                    + Thread.currentThread().getName() + ")");
        }
        return of;
    }

    /** Passes the turn to the earliest waiting, or leaves it free for whoever asks next. */
    private void handOver() {
        Execution next;
        synchronized (lock) {
            next = ready.poll();
            turnFree = next == null;
        }
        if (next != null) {
            next.turn.release();
        }
    }

    private void stopIfFailed() {
        if (failure.get() != null) {
            throw new IllegalStateException("stopping: another simulated execution failed");
        }
    }

    /** Lets the calling execution's clock pass {@code nanos} without doing anything (a client polling slowly). */
    void sleep(long nanos) {
        Execution self = current.get();
        if (self == null) {
            throw new IllegalStateException("only a simulated execution sleeps");
        }
        self.now.addAndGet(nanos);
    }

    /** An execution ends: the turn goes on, unless it had lent it to a fan-out and holds nothing. */
    private void finish(Execution self) {
        self.join();
        makespan.accumulateAndGet(self.now(), Math::max);
        boolean holdsTurn;
        synchronized (lock) {
            holdsTurn = !self.lent;
            self.lent = false;
        }
        if (holdsTurn) {
            handOver();
        }
        if (live.decrementAndGet() == 0) {
            done.countDown();
        }
    }
}
