//! `CancellationToken`: a signal to stop, shared by clones and passed down to
//! child tokens.
//!
//! The tokens of one tree (a token, its clones, its children and theirs)
//! share one arena of nodes behind one lock: each node records its parent,
//! first child and siblings by index. A token holds its node by an `Arc`;
//! the arena holds it weakly, so a node lives exactly as long as its tokens.
//! When the last token of a node goes, the node leaves the arena and its
//! children move up to its parent, so neither dropped children nor dropped
//! ancestors stay behind in a long-lived tree.
//!
//! Cancelling marks the node's subtree under the arena lock (every
//! descendant of a cancelled node is cancelled, so a subtree already
//! cancelled is skipped), then, unlocked, wakes each node's waiters. A node's
//! `cancelled` flag is written only under the lock and read without it: it is
//! stored before the node's `Notify` is told, and a waiter creates its
//! `Notified` before it reads the flag, so a waiter either sees the flag or
//! is woken (see `Notify::notified`).

use std::fmt;
use std::future::Future;
use std::hash::{Hash, Hasher};
use std::pin::Pin;
use std::sync::{Arc, Weak};
use std::task::{Context, Poll, Waker};

use pin_project_lite::pin_project;
use zokio_core::budget;
use zokio_core::sync::atomic::{AtomicBool, Ordering};
use zokio_core::sync::{Mutex, MutexGuard};

use super::notify::{Notify, Waiter};

/// A token that signals cancellation to every task holding a clone of it, and
/// to every token derived from it with [`child_token`](CancellationToken::child_token).
///
/// [`cancel`](CancellationToken::cancel) cancels the token, its clones and all
/// its descendants, and completes every [`cancelled`](CancellationToken::cancelled)
/// future waiting on them. Cancelling a child leaves its parent alone.
///
/// Like `tokio_util::sync::CancellationToken` (Zokio has it in `sync`), with
/// one difference: waiting on it spends the task's cooperative budget (see
/// [`zokio_core::budget`]), like every Zokio resource.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use zokio::sync::CancellationToken;
///
/// # zokio::run(async {
/// let token = CancellationToken::new();
/// let worker = zokio::spawn({
///     let token = token.clone();
///     async move {
///         // Works until cancelled.
///         token
///             .run_until_cancelled(zokio::time::sleep(Duration::from_secs(3600)))
///             .await
///     }
/// });
/// token.cancel();
/// assert_eq!(worker.await.unwrap(), None, "cancelled before the hour");
/// # });
/// ```
pub struct CancellationToken {
    node: Arc<Node>,
}

/// What a token (and its clones) points at.
struct Node {
    tree: Arc<Tree>,
    /// This node's slot in `tree`; fixed for the node's life.
    index: usize,
    /// Written only with the arena locked; read by `is_cancelled` without it.
    cancelled: AtomicBool,
    /// Told (`notify_waiters`) once `cancelled` is set.
    notify: Notify,
}

struct Tree {
    arena: Mutex<Arena>,
}

const NIL: usize = usize::MAX;

/// The nodes of one tree, by index. A free slot is linked into the free list
/// through `next`.
struct Arena {
    slots: Vec<Slot>,
    free: usize,
}

struct Slot {
    node: Weak<Node>,
    parent: usize,
    first_child: usize,
    prev: usize,
    next: usize,
    /// The node's `cancelled`, readable while walking without upgrading.
    cancelled: bool,
}

impl Tree {
    fn lock(&self) -> MutexGuard<'_, Arena> {
        // No user code runs under this lock and no change to the arena is
        // left half done by a panic, so a poisoned lock is still consistent.
        self.arena.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Arena {
    /// Takes a slot for a new node under `parent` (or a root, if `NIL`); the
    /// caller sets its `node`.
    fn insert(&mut self, parent: usize, cancelled: bool) -> usize {
        let next = match parent {
            NIL => NIL,
            parent => self.slots[parent].first_child,
        };
        let slot = Slot {
            node: Weak::new(),
            parent,
            first_child: NIL,
            prev: NIL,
            next,
            cancelled,
        };
        let index = if self.free != NIL {
            let index = self.free;
            self.free = self.slots[index].next;
            self.slots[index] = slot;
            index
        } else {
            self.slots.push(slot);
            self.slots.len() - 1
        };
        if next != NIL {
            self.slots[next].prev = index;
        }
        if parent != NIL {
            self.slots[parent].first_child = index;
        }
        index
    }

    /// Takes the node out of the tree, its children moving up to its parent.
    fn remove(&mut self, index: usize) {
        let Slot {
            parent,
            first_child,
            prev,
            next,
            ..
        } = self.slots[index];
        // Out of the parent's child list.
        if prev != NIL {
            self.slots[prev].next = next;
        } else if parent != NIL {
            self.slots[parent].first_child = next;
        }
        if next != NIL {
            self.slots[next].prev = prev;
        }
        // The children join the parent's list at its head (or become roots).
        let mut child = first_child;
        let mut last = NIL;
        while child != NIL {
            self.slots[child].parent = parent;
            last = child;
            child = self.slots[child].next;
            if parent == NIL {
                self.slots[last].prev = NIL;
                self.slots[last].next = NIL;
            }
        }
        if parent != NIL && last != NIL {
            let head = self.slots[parent].first_child;
            self.slots[last].next = head;
            if head != NIL {
                self.slots[head].prev = last;
            }
            self.slots[parent].first_child = first_child;
        }
        self.slots[index] = Slot {
            node: Weak::new(),
            parent: NIL,
            first_child: NIL,
            prev: NIL,
            next: self.free,
            cancelled: false,
        };
        self.free = index;
    }

    /// Marks `root` and every descendant not yet cancelled; returns the live
    /// nodes marked, to be told once the lock is released.
    fn cancel(&mut self, root: usize) -> Vec<Arc<Node>> {
        let mut marked = Vec::new();
        if self.slots[root].cancelled {
            return marked;
        }
        // Preorder walk along the links, with no stack.
        let mut at = root;
        loop {
            let slot = &mut self.slots[at];
            let descend = !slot.cancelled;
            if descend {
                slot.cancelled = true;
                if let Some(node) = slot.node.upgrade() {
                    node.cancelled.store(true, Ordering::Release);
                    marked.push(node);
                }
            }
            if descend && self.slots[at].first_child != NIL {
                at = self.slots[at].first_child;
                continue;
            }
            // Up to the nearest node (below `root`) with a next sibling.
            loop {
                if at == root {
                    return marked;
                }
                if self.slots[at].next != NIL {
                    at = self.slots[at].next;
                    break;
                }
                at = self.slots[at].parent;
            }
        }
    }
}

impl Node {
    /// A node in `tree` under `parent`, the arena locked.
    fn create(tree: Arc<Tree>, arena: &mut Arena, parent: usize) -> Arc<Node> {
        let cancelled = parent != NIL && arena.slots[parent].cancelled;
        let index = arena.insert(parent, cancelled);
        let node = Arc::new(Node {
            tree,
            index,
            cancelled: AtomicBool::new(cancelled),
            notify: Notify::new(),
        });
        arena.slots[index].node = Arc::downgrade(&node);
        node
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        self.tree.lock().remove(self.index);
    }
}

impl CancellationToken {
    /// A new token, not cancelled, with no parent.
    ///
    /// ```
    /// let token = zokio::sync::CancellationToken::new();
    /// assert!(!token.is_cancelled());
    /// ```
    pub fn new() -> CancellationToken {
        let tree = Arc::new(Tree {
            arena: Mutex::new(Arena {
                slots: Vec::new(),
                free: NIL,
            }),
        });
        let node = Node::create(tree.clone(), &mut tree.lock(), NIL);
        CancellationToken { node }
    }

    /// A new token cancelled whenever this one is (or any of its ancestors);
    /// unlike a clone, cancelling the child leaves this token alone. The
    /// child of a cancelled token is born cancelled.
    ///
    /// ```
    /// use zokio::sync::CancellationToken;
    ///
    /// let parent = CancellationToken::new();
    /// let child = parent.child_token();
    /// child.cancel();
    /// assert!(!parent.is_cancelled());
    ///
    /// let child = parent.child_token();
    /// parent.cancel();
    /// assert!(child.is_cancelled());
    /// ```
    pub fn child_token(&self) -> CancellationToken {
        let tree = &self.node.tree;
        let node = Node::create(tree.clone(), &mut tree.lock(), self.node.index);
        CancellationToken { node }
    }

    /// Cancels this token, its clones and all its descendants, and wakes
    /// every task waiting on any of them.
    ///
    /// Another thread may, while this runs, see one descendant cancelled
    /// and another not yet; once `cancel` returns, all of them are.
    ///
    /// ```
    /// let token = zokio::sync::CancellationToken::new();
    /// let grandchild = token.child_token().child_token();
    /// token.cancel();
    /// assert!(grandchild.is_cancelled());
    /// ```
    pub fn cancel(&self) {
        let marked = self.node.tree.lock().cancel(self.node.index);
        // Unlocked: waking runs wakers, and dropping the last `Arc` of a
        // node whose tokens went meanwhile locks the arena.
        for node in marked {
            node.notify.notify_waiters();
        }
    }

    /// Whether this token is cancelled.
    ///
    /// ```
    /// let token = zokio::sync::CancellationToken::new();
    /// token.clone().cancel();
    /// assert!(token.is_cancelled());
    /// ```
    pub fn is_cancelled(&self) -> bool {
        self.node.cancelled.load(Ordering::Acquire)
    }

    /// A future that completes once this token is cancelled (at once if it
    /// is already).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// ```
    /// use zokio::sync::CancellationToken;
    ///
    /// # zokio::run(async {
    /// let token = CancellationToken::new();
    /// let waiter = zokio::spawn({
    ///     let token = token.clone();
    ///     async move { token.cancelled().await }
    /// });
    /// token.cancel();
    /// waiter.await.unwrap();
    /// # });
    /// ```
    pub fn cancelled(&self) -> WaitForCancellationFuture<'_> {
        WaitForCancellationFuture {
            token: self,
            waiter: Waiter::new(&self.node.notify),
            registered: None,
        }
    }

    /// Like [`cancelled`](CancellationToken::cancelled), but the future owns
    /// the token, so it can be stored or moved on its own.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// ```
    /// use zokio::sync::CancellationToken;
    ///
    /// # zokio::run(async {
    /// let token = CancellationToken::new();
    /// let waiter = zokio::spawn(token.clone().cancelled_owned());
    /// token.cancel();
    /// waiter.await.unwrap();
    /// # });
    /// ```
    pub fn cancelled_owned(self) -> WaitForCancellationFutureOwned {
        WaitForCancellationFutureOwned {
            waiter: Waiter::new(&self.node.notify),
            registered: None,
            token: self,
        }
    }

    /// A guard that cancels this token when dropped, unless
    /// [disarmed](DropGuard::disarm).
    ///
    /// ```
    /// use zokio::sync::CancellationToken;
    ///
    /// let token = CancellationToken::new();
    /// {
    ///     let _guard = token.clone().drop_guard();
    /// }
    /// assert!(token.is_cancelled());
    /// ```
    pub fn drop_guard(self) -> DropGuard {
        DropGuard { token: Some(self) }
    }

    /// Like [`drop_guard`](CancellationToken::drop_guard), borrowing the
    /// token.
    ///
    /// ```
    /// use zokio::sync::CancellationToken;
    ///
    /// let token = CancellationToken::new();
    /// let guard = token.drop_guard_ref();
    /// let _token: &CancellationToken = guard.disarm();
    /// assert!(!token.is_cancelled());
    /// ```
    pub fn drop_guard_ref(&self) -> DropGuardRef<'_> {
        DropGuardRef { token: Some(self) }
    }

    /// Runs `fut` to completion and returns `Some` of its output, unless this
    /// token is cancelled first: then drops `fut` and returns `None`.
    ///
    /// On a token already cancelled, returns `None` without polling `fut`;
    /// after that, if both are ready in the same poll, `fut` wins.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe if `fut` is.
    ///
    /// ```
    /// use zokio::sync::CancellationToken;
    ///
    /// # zokio::run(async {
    /// let token = CancellationToken::new();
    /// assert_eq!(token.run_until_cancelled(async { 1 }).await, Some(1));
    /// token.cancel();
    /// assert_eq!(token.run_until_cancelled(async { 2 }).await, None);
    /// # });
    /// ```
    pub async fn run_until_cancelled<F>(&self, fut: F) -> Option<F::Output>
    where
        F: Future,
    {
        if self.is_cancelled() {
            return None;
        }
        RunUntilCancelled {
            future: fut,
            cancelled: self.cancelled(),
        }
        .await
    }

    /// Like [`run_until_cancelled`](CancellationToken::run_until_cancelled),
    /// owning the token.
    ///
    /// ```
    /// use zokio::sync::CancellationToken;
    ///
    /// # zokio::run(async {
    /// let token = CancellationToken::new();
    /// let task = zokio::spawn(token.clone().run_until_cancelled_owned(std::future::pending::<()>()));
    /// token.cancel();
    /// assert_eq!(task.await.unwrap(), None);
    /// # });
    /// ```
    pub async fn run_until_cancelled_owned<F>(self, fut: F) -> Option<F::Output>
    where
        F: Future,
    {
        self.run_until_cancelled(fut).await
    }
}

impl Default for CancellationToken {
    fn default() -> CancellationToken {
        CancellationToken::new()
    }
}

impl Clone for CancellationToken {
    /// Another handle to the same token: cancelling either cancels both.
    fn clone(&self) -> CancellationToken {
        CancellationToken {
            node: self.node.clone(),
        }
    }
}

impl PartialEq for CancellationToken {
    /// Whether the two are the same token (clones of each other): cancelling
    /// one always cancels the other. A parent and its child are not equal.
    fn eq(&self, other: &CancellationToken) -> bool {
        Arc::ptr_eq(&self.node, &other.node)
    }
}

impl Eq for CancellationToken {}

impl Hash for CancellationToken {
    fn hash<H: Hasher>(&self, state: &mut H) {
        Arc::as_ptr(&self.node).hash(state);
    }
}

impl fmt::Debug for CancellationToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CancellationToken")
            .field("is_cancelled", &self.is_cancelled())
            .finish()
    }
}

/// A poll of a cancellation future: one unit of budget, then the flag, then
/// the node's `Notify`.
///
/// A future polled again by the task whose waker it registered (a server's
/// connection task polls its shutdown signal on every wake) returns
/// `Pending` on the flag alone, without the `Notify`'s lock, which every
/// waiter of the token shares: only `cancel` tells the `Notify`, after
/// setting the flag, so while the flag is clear no notification has come,
/// and the one that will wakes the waker registered, which wakes this task.
fn poll_cancelled(
    token: &CancellationToken,
    waiter: &mut Waiter,
    registered: &mut Option<Waker>,
    cx: &mut Context<'_>,
) -> Poll<()> {
    let notify = &token.node.notify;
    if waiter.is_done() {
        return Poll::Ready(());
    }
    let progress = std::task::ready!(budget::poll_proceed(cx));
    // The waiter was created before this check: if the flag is not seen
    // yet, the `notify_waiters` after it still reaches the waiter.
    if token.is_cancelled() {
        waiter.cancel(notify);
        *registered = None;
        progress.made_progress();
        return Poll::Ready(());
    }
    if registered.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
        return Poll::Pending;
    }
    // Only `cancel` tells a node's `Notify`, after setting the flag.
    let poll = waiter.poll(notify, Some(cx.waker()));
    if poll.is_ready() {
        *registered = None;
        progress.made_progress();
    } else {
        // The waker just registered (the same task's, or a new one in
        // place of the old).
        *registered = Some(cx.waker().clone());
    }
    poll
}

/// The future returned by [`CancellationToken::cancelled`].
#[must_use = "futures do nothing unless polled"]
pub struct WaitForCancellationFuture<'a> {
    token: &'a CancellationToken,
    waiter: Waiter,
    /// A clone of the waker the waiter's slot holds, if any.
    registered: Option<Waker>,
}

impl Future for WaitForCancellationFuture<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        poll_cancelled(this.token, &mut this.waiter, &mut this.registered, cx)
    }
}

impl Drop for WaitForCancellationFuture<'_> {
    fn drop(&mut self) {
        self.waiter.cancel(&self.token.node.notify);
    }
}

impl fmt::Debug for WaitForCancellationFuture<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitForCancellationFuture").finish()
    }
}

/// The future returned by [`CancellationToken::cancelled_owned`].
#[must_use = "futures do nothing unless polled"]
pub struct WaitForCancellationFutureOwned {
    token: CancellationToken,
    waiter: Waiter,
    /// A clone of the waker the waiter's slot holds, if any.
    registered: Option<Waker>,
}

impl Future for WaitForCancellationFutureOwned {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        poll_cancelled(&this.token, &mut this.waiter, &mut this.registered, cx)
    }
}

impl Drop for WaitForCancellationFutureOwned {
    fn drop(&mut self) {
        self.waiter.cancel(&self.token.node.notify);
    }
}

impl fmt::Debug for WaitForCancellationFutureOwned {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitForCancellationFutureOwned").finish()
    }
}

pin_project! {
    /// `fut` or the cancellation, `fut` first.
    struct RunUntilCancelled<'a, F> {
        #[pin]
        future: F,
        cancelled: WaitForCancellationFuture<'a>,
    }
}

impl<F: Future> Future for RunUntilCancelled<'_, F> {
    type Output = Option<F::Output>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        if let Poll::Ready(output) = this.future.poll(cx) {
            return Poll::Ready(Some(output));
        }
        Pin::new(this.cancelled).poll(cx).map(|()| None)
    }
}

/// Cancels its token when dropped, unless [disarmed](DropGuard::disarm);
/// made by [`CancellationToken::drop_guard`].
#[derive(Debug)]
pub struct DropGuard {
    /// `None` only once disarmed.
    token: Option<CancellationToken>,
}

impl DropGuard {
    /// The guarded token.
    ///
    /// ```
    /// let guard = zokio::sync::CancellationToken::new().drop_guard();
    /// assert!(!guard.token().is_cancelled());
    /// ```
    pub fn token(&self) -> &CancellationToken {
        self.token
            .as_ref()
            .expect("a DropGuard has its token until dropped")
    }

    /// Returns the token without cancelling it. Other guards of the same
    /// token still cancel it.
    ///
    /// ```
    /// let token = zokio::sync::CancellationToken::new().drop_guard().disarm();
    /// assert!(!token.is_cancelled());
    /// ```
    pub fn disarm(mut self) -> CancellationToken {
        self.token
            .take()
            .expect("a DropGuard has its token until dropped")
    }
}

impl Drop for DropGuard {
    fn drop(&mut self) {
        if let Some(token) = &self.token {
            token.cancel();
        }
    }
}

/// Cancels the token it borrows when dropped, unless
/// [disarmed](DropGuardRef::disarm); made by
/// [`CancellationToken::drop_guard_ref`].
#[derive(Debug)]
pub struct DropGuardRef<'a> {
    /// `None` only once disarmed.
    token: Option<&'a CancellationToken>,
}

impl<'a> DropGuardRef<'a> {
    /// The guarded token.
    ///
    /// ```
    /// let token = zokio::sync::CancellationToken::new();
    /// assert_eq!(token.drop_guard_ref().token(), &token);
    /// # assert!(token.is_cancelled());
    /// ```
    pub fn token(&self) -> &CancellationToken {
        self.token
            .expect("a DropGuardRef has its token until dropped")
    }

    /// Returns the token without cancelling it.
    ///
    /// ```
    /// let token = zokio::sync::CancellationToken::new();
    /// token.drop_guard_ref().disarm();
    /// assert!(!token.is_cancelled());
    /// ```
    pub fn disarm(mut self) -> &'a CancellationToken {
        self.token
            .take()
            .expect("a DropGuardRef has its token until dropped")
    }
}

impl Drop for DropGuardRef<'_> {
    fn drop(&mut self) {
        if let Some(token) = self.token {
            token.cancel();
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use tokio_test::{assert_pending, assert_ready, task};

    fn live_nodes(token: &CancellationToken) -> usize {
        let arena = token.node.tree.lock();
        arena
            .slots
            .iter()
            .filter(|s| s.node.strong_count() > 0)
            .count()
    }

    fn slots(token: &CancellationToken) -> usize {
        token.node.tree.lock().slots.len()
    }

    #[test]
    fn repeat_polls_keep_the_task_registered_and_a_new_task_takes_over() {
        let token = CancellationToken::new();
        let (mut first, mut second) = (task::spawn(()), task::spawn(()));
        let mut cancelled = std::pin::pin!(token.cancelled());
        for _ in 0..3 {
            assert_pending!(first.enter(|cx, _| cancelled.as_mut().poll(cx)));
        }
        // Another task polls it now: the cancel must wake that one.
        for _ in 0..2 {
            assert_pending!(second.enter(|cx, _| cancelled.as_mut().poll(cx)));
        }
        token.cancel();
        assert!(!first.is_woken());
        assert!(second.is_woken());
        assert_ready!(second.enter(|cx, _| cancelled.as_mut().poll(cx)));
    }

    #[test]
    fn a_repeat_poll_after_the_cancel_completes() {
        let token = CancellationToken::new();
        let mut waiter = task::spawn(token.clone().cancelled_owned());
        assert_pending!(waiter.poll());
        assert_pending!(waiter.poll());
        token.cancel();
        assert!(waiter.is_woken());
        assert_ready!(waiter.poll());
    }

    #[test]
    fn a_long_lived_parent_keeps_no_trace_of_dropped_children() {
        let parent = CancellationToken::new();
        for _ in 0..10_000 {
            let child = parent.child_token();
            let grandchild = child.child_token();
            drop(child);
            assert!(!grandchild.is_cancelled());
        }
        assert_eq!(live_nodes(&parent), 1);
        assert!(slots(&parent) <= 3, "slots are reused");
        let first = parent.node.tree.lock().slots[parent.node.index].first_child;
        assert_eq!(first, NIL, "no child left linked");
    }

    #[test]
    fn many_children_alive_at_once_are_all_unlinked_when_dropped() {
        let parent = CancellationToken::new();
        let children: Vec<_> = (0..1000).map(|_| parent.child_token()).collect();
        assert_eq!(live_nodes(&parent), 1001);
        drop(children);
        assert_eq!(live_nodes(&parent), 1);
        let children: Vec<_> = (0..1000).map(|_| parent.child_token()).collect();
        assert_eq!(slots(&parent), 1001, "freed slots are taken again");
        parent.cancel();
        assert!(children.iter().all(CancellationToken::is_cancelled));
    }

    #[test]
    fn a_chain_of_dropped_ancestors_does_not_grow() {
        let root = CancellationToken::new();
        let mut token = root.child_token();
        for _ in 0..10_000 {
            token = token.child_token();
        }
        assert_eq!(live_nodes(&root), 2, "every intermediate node left");
        root.cancel();
        assert!(token.is_cancelled());
    }

    #[test]
    fn children_of_a_dropped_root_stay_cancellable_on_their_own() {
        let root = CancellationToken::new();
        let a = root.child_token();
        let b = root.child_token();
        let a1 = a.child_token();
        drop(root);
        a.cancel();
        assert!(a1.is_cancelled());
        assert!(!b.is_cancelled());
        b.cancel();
        assert!(b.is_cancelled());
    }

    #[test]
    fn a_deep_tree_cancels_without_recursion() {
        let root = CancellationToken::new();
        let mut chain = vec![root.child_token()];
        for _ in 0..100_000 {
            let next = chain.last().unwrap().child_token();
            chain.push(next);
        }
        root.cancel();
        assert!(chain.iter().all(CancellationToken::is_cancelled));
        // Dropping the chain from the root down moves each child up in turn.
        drop(chain);
        assert_eq!(live_nodes(&root), 1);
    }
}
