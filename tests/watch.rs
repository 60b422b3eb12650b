//! Hot reload with a real file system watcher: every way a file really
//! changes is seen, a bad file never becomes current, a reload that changes
//! nothing sends nothing, and dropping the `Watch` stops it.
//!
//! Waits are generous (seconds) because the machine may be loaded; nothing
//! here asserts how fast a reload is (that is `benches/watch.rs`).

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use std::thread;
use std::time::{Duration, Instant};

#[path = "support/reload.rs"]
mod reload;
#[path = "support/tmp.rs"]
mod tmp;
use reload::{next, rejected, save_by_rename, settled, updated, Reader, WAIT};
use tmp::Tmp;

use staid::source::{LoadCtx, Source};
use staid::{Config, Kind, Origin, Problem, Reload, Table, Value, Watch};

/// `port` has no default, so an empty or half-written file is rejected:
/// it can never pass for a valid configuration.
#[derive(Config, Debug)]
struct App {
    port: u16,
    #[config(default = "svc")]
    name: String,
    #[config(nested)]
    db: Db,
    #[config(secret)]
    token: Option<String>,
    labels: Option<BTreeMap<String, String>>,
}

#[derive(Config, Debug)]
struct Db {
    #[config(default = "localhost")]
    host: String,
}

/// A layer held in memory, changed by the test, that counts its loads and
/// can be told to panic.
#[derive(Clone, Default)]
struct Memory(Arc<Mutex<MemoryState>>);

#[derive(Default)]
struct MemoryState {
    port: Option<u16>,
    loads: usize,
    panic: bool,
}

impl Memory {
    fn set_port(&self, port: u16) {
        self.0.lock().unwrap().port = Some(port);
    }

    fn loads(&self) -> usize {
        self.0.lock().unwrap().loads
    }

    /// Waits until the layer has been loaded more than `after` times.
    fn wait_for_load(&self, after: usize) {
        let deadline = Instant::now() + WAIT;
        while self.loads() <= after {
            assert!(Instant::now() < deadline, "no reload happened");
            thread::sleep(Duration::from_millis(5));
        }
    }
}

impl Source for Memory {
    fn describe(&self) -> String {
        "memory".to_owned()
    }

    fn load(&self, _ctx: &mut LoadCtx<'_>) -> Result<Option<Value>, Vec<Problem>> {
        let (port, panic) = {
            let mut state = self.0.lock().unwrap();
            state.loads += 1;
            (state.port, state.panic)
        };
        if panic {
            panic!("the memory layer broke");
        }
        let mut table = Table::new();
        if let Some(port) = port {
            table.insert(
                "port".to_owned(),
                Value::new(Kind::Integer(port.into()), Origin::Code),
            );
        }
        Ok(Some(Value::new(Kind::Table(table), Origin::Code)))
    }
}

/// A watch on `name`, holding `text`, in a new directory.
fn watched(name: &str, text: &str) -> (Tmp, PathBuf, Watch<App>) {
    let dir = Tmp::new();
    let path = dir.write(name, text);
    let watch = App::builder().file(&path).watch().unwrap();
    (dir, path, watch)
}

#[test]
fn an_edit_in_place_is_sent_with_the_changed_keys() {
    let (_dir, path, watch) = watched("app.toml", "port = 1\n");
    assert_eq!(watch.current().port, 1);

    fs::write(&path, "port = 2\n[db]\nhost = \"db2\"\n").unwrap();
    let (config, changed) = settled(&watch);
    assert_eq!(changed, ["port", "db.host"]);
    assert_eq!((config.port, config.db.host.as_str()), (2, "db2"));
    assert!(Arc::ptr_eq(&config, &watch.current()));
}

#[test]
fn saves_by_rename_are_seen_again_and_again() {
    let (_dir, path, watch) = watched("app.toml", "port = 1\n");
    for port in 2..5 {
        save_by_rename(&path, &format!("port = {port}\n"));
        let (config, changed) = updated(&watch);
        assert_eq!((config.port, changed), (port, vec!["port".to_owned()]));
    }
    // Vim without `backupcopy`: the old file is renamed away, a new one
    // written under the name, the backup removed.
    let backup = path.with_extension("toml~");
    fs::rename(&path, &backup).unwrap();
    fs::write(&path, "port = 9\n").unwrap();
    fs::remove_file(&backup).unwrap();
    assert_eq!(settled(&watch).0.port, 9);
}

#[test]
fn a_deleted_file_is_rejected_until_it_is_back() {
    let (_dir, path, watch) = watched("app.toml", "port = 1\n");

    fs::remove_file(&path).unwrap();
    let error = rejected(&watch);
    assert!(error.to_string().contains("app.toml"), "{error}");
    assert_eq!(watch.current().port, 1);

    save_by_rename(&path, "port = 5\n");
    assert_eq!(updated(&watch).0.port, 5);
}

#[test]
fn adding_changing_and_removing_a_drop_in_reloads() {
    let dir = Tmp::new();
    dir.write("app.d/10-base.toml", "port = 1\n");
    let conf = dir.path().join("app.d");
    let watch = App::builder().dir(&conf).watch().unwrap();
    assert_eq!(watch.current().port, 1);

    save_by_rename(&conf.join("50-tuning.toml"), "port = 2\n");
    assert_eq!(updated(&watch).0.port, 2);
    fs::write(conf.join("50-tuning.toml"), "port = 3\n").unwrap();
    assert_eq!(settled(&watch).0.port, 3);
    fs::remove_file(conf.join("50-tuning.toml")).unwrap();
    assert_eq!(settled(&watch).0.port, 1);
    // An editor's swap file is not a drop-in: nothing is sent for it.
    fs::write(conf.join(".10-base.toml.swp"), "port = 9\n").unwrap();
    assert!(watch
        .events()
        .recv_timeout(Duration::from_millis(500))
        .is_err());
}

#[test]
fn an_edited_dotenv_file_reloads() {
    let dir = Tmp::new();
    let path = dir.write(".env", "APP_PORT=1\n");
    let watch = App::builder()
        .dotenv(&path)
        .env_prefix("APP")
        .env_from([("UNRELATED", "1")])
        .watch()
        .unwrap();
    assert_eq!(watch.current().port, 1);
    save_by_rename(&path, "APP_PORT=2\n");
    assert_eq!(updated(&watch).0.port, 2);
}

/// A drop-in directory that appears after the start is read.
#[test]
fn a_drop_in_directory_created_later_is_read() {
    let dir = Tmp::new();
    let base = dir.write("app.toml", "port = 1\n");
    let conf = dir.path().join("app.d");
    let watch = App::builder()
        .file(&base)
        .optional_dir(&conf)
        .watch()
        .unwrap();
    fs::create_dir(&conf).unwrap();
    save_by_rename(&conf.join("50-tuning.toml"), "port = 2\n");
    assert_eq!(settled(&watch).0.port, 2);
}

#[test]
fn a_replaced_directory_is_watched_again() {
    let dir = Tmp::new();
    let path = dir.write("conf/app.toml", "port = 1\n");
    let conf = dir.path().join("conf");
    let watch = App::builder().optional_file(&path).watch().unwrap();

    fs::remove_dir_all(&conf).unwrap();
    // Without the file, `port` is missing.
    rejected(&watch);
    fs::create_dir(&conf).unwrap();
    save_by_rename(&path, "port = 2\n");
    assert_eq!(updated(&watch).0.port, 2);
    save_by_rename(&path, "port = 3\n");
    assert_eq!(updated(&watch).0.port, 3);
}

/// A ConfigMap volume: `app.toml -> ..data/app.toml`, `..data -> ..<stamp>`.
/// An update writes a new stamped directory, points `..data_tmp` at it,
/// renames that over `..data` and removes the old directory: the events
/// name `..data` and the stamped directories, never `app.toml`.
#[cfg(unix)]
#[test]
fn a_kubernetes_configmap_swap_is_seen() {
    use std::os::unix::fs::symlink;

    fn publish(vol: &Path, stamp: &str, text: &str) {
        let data = vol.join(stamp);
        fs::create_dir(&data).unwrap();
        fs::write(data.join("app.toml"), text).unwrap();
        symlink(stamp, vol.join("..data_tmp")).unwrap();
        fs::rename(vol.join("..data_tmp"), vol.join("..data")).unwrap();
    }

    let dir = Tmp::new();
    let vol = dir.path();
    publish(vol, "..2024_01_01_00_00_00.1", "port = 1\n");
    symlink("..data/app.toml", vol.join("app.toml")).unwrap();
    let watch = App::builder().file(vol.join("app.toml")).watch().unwrap();
    assert_eq!(watch.current().port, 1);

    let mut old = "..2024_01_01_00_00_00.1".to_owned();
    for port in 2..4 {
        let stamp = format!("..2024_01_01_00_00_0{port}.1");
        publish(vol, &stamp, &format!("port = {port}\n"));
        fs::remove_dir_all(vol.join(&old)).unwrap();
        let (config, changed) = updated(&watch);
        assert_eq!((config.port, changed), (port, vec!["port".to_owned()]));
        old = stamp;
    }
}

/// A Capistrano deploy: the file is read through `current -> releases/N`,
/// and a release goes live by renaming a new link over `current`. No event
/// names the file; only the link in the directory above it changes.
#[cfg(unix)]
#[test]
fn a_switched_release_directory_symlink_is_seen() {
    use std::os::unix::fs::symlink;

    let dir = Tmp::new();
    let root = dir.path();
    for release in 1..=3 {
        dir.write(
            &format!("releases/{release}/app.toml"),
            format!("port = {release}\n"),
        );
    }
    symlink("releases/1", root.join("current")).unwrap();
    let watch = App::builder()
        .file(root.join("current/app.toml"))
        .watch()
        .unwrap();
    assert_eq!(watch.current().port, 1);

    for release in [2, 3] {
        // `ln -s releases/N current.new && mv -T current.new current`
        symlink(format!("releases/{release}"), root.join("current.new")).unwrap();
        fs::rename(root.join("current.new"), root.join("current")).unwrap();
        let (config, changed) = updated(&watch);
        assert_eq!((config.port, changed), (release, vec!["port".to_owned()]));
    }
    // An edit in the release that is live now is seen too, and one in the
    // release left behind is not a change.
    save_by_rename(&root.join("releases/2/app.toml"), "port = 20\n");
    save_by_rename(&root.join("releases/3/app.toml"), "port = 30\n");
    assert_eq!(updated(&watch).0.port, 30);
    thread::sleep(Duration::from_millis(300));
    assert!(watch.events().try_recv().is_err());
}

#[test]
fn json_files_are_watched() {
    let (_dir, path, watch) = watched("app.json", r#"{"port": 1}"#);
    save_by_rename(&path, r#"{"port": 2, "db": {"host": "db2"}}"#);
    let (config, changed) = updated(&watch);
    assert_eq!(changed, ["port", "db.host"]);
    assert_eq!(config.db.host, "db2");
}

/// A Lua layer is a file like the others; what it computes from the layers
/// below changes with them, and its `validate` hooks reject like any check.
#[cfg(feature = "lua")]
#[test]
fn lua_files_are_watched_and_their_hooks_can_reject() {
    let dir = Tmp::new();
    let toml = dir.write("app.toml", "port = 1\n");
    let hook = "validate('port', function(p)\n  \
                if p > 1000 then error('port ' .. p .. ' is too high') end\nend)\n";
    let lua = dir.write(
        "plugin.lua",
        format!("{hook}return {{ name = 'svc-' .. config.port }}\n"),
    );
    let watch = App::builder().file(&toml).file(&lua).watch().unwrap();
    assert_eq!(watch.current().name, "svc-1");

    save_by_rename(&toml, "port = 2\n");
    let (config, changed) = updated(&watch);
    assert_eq!(changed, ["port", "name"]);
    assert_eq!(config.name, "svc-2");

    save_by_rename(&lua, &format!("{hook}return {{ port = 5000 }}\n"));
    let error = rejected(&watch);
    assert!(
        error.to_string().contains("port 5000 is too high"),
        "{error}"
    );
    assert_eq!(watch.current().port, 2);
}

#[test]
fn an_optional_file_that_appears_later_is_read() {
    let dir = Tmp::new();
    // Its directory does not exist yet either.
    let path = dir.path().join("conf.d/local/app.toml");
    let watch = App::builder()
        .toml_str("port = 1")
        .optional_file(&path)
        .watch()
        .unwrap();

    dir.write("conf.d/local/app.toml", "port = 7\n");
    let (config, changed) = settled(&watch);
    assert_eq!((config.port, changed), (7, vec!["port".to_owned()]));
}

/// A watch on `app.toml`, holding `port = 1`, under a `Memory` layer whose
/// loads tell when a reload has happened.
fn watched_with_memory(dir: &Tmp) -> (PathBuf, Memory, Watch<App>) {
    let path = dir.write("app.toml", "port = 1\n");
    let memory = Memory::default();
    let watch = App::builder()
        .file(&path)
        .source(memory.clone())
        .watch()
        .unwrap();
    (path, memory, watch)
}

#[test]
fn a_bad_file_is_rejected_once_and_never_becomes_current() {
    let dir = Tmp::new();
    let (path, memory, watch) = watched_with_memory(&dir);

    save_by_rename(&path, "port = \"x\"\nname = 5\n");
    let error = rejected(&watch);
    assert_eq!(error.problems().len(), 2, "every problem at once:\n{error}");
    assert_eq!(watch.current().port, 1);

    // The same error again from the files is not news; asked for, it is
    // the answer.
    let loads = memory.loads();
    save_by_rename(&path, "port = \"x\"\nname = 5\n");
    memory.wait_for_load(loads);
    watch.reload().unwrap();
    assert_eq!(rejected(&watch).to_string(), error.to_string());

    save_by_rename(&path, "port = 2\n");
    let (config, changed) = updated(&watch);
    assert_eq!((config.port, changed), (2, vec!["port".to_owned()]));
}

#[test]
fn a_file_change_that_changes_nothing_sends_nothing_and_a_reload_by_hand_says_unchanged() {
    let dir = Tmp::new();
    let (path, memory, watch) = watched_with_memory(&dir);

    // The same content; then the same values on other lines.
    for text in ["port = 1\n", "# moved down\n\nport = 1\nname = \"svc\"\n"] {
        let loads = memory.loads();
        save_by_rename(&path, text);
        memory.wait_for_load(loads);
    }
    // Had either of those sent something, it would come first.
    watch.reload().unwrap();
    match next(&watch) {
        Reload::Unchanged { warnings, .. } => assert!(warnings.is_empty()),
        other => panic!("{other:?}"),
    }

    save_by_rename(&path, "port = 2\n");
    let (config, changed) = updated(&watch);
    assert_eq!((config.port, changed), (2, vec!["port".to_owned()]));
}

/// The README's session: a good edit, a bad one, then the fix that brings
/// back what is current. The fix changes no value, but the operator who saw
/// the rejection must learn that it was taken.
#[test]
fn a_fix_after_a_rejection_is_acknowledged_even_when_it_changes_nothing() {
    let dir = Tmp::new();
    let (path, memory, watch) = watched_with_memory(&dir);

    save_by_rename(&path, "port = 1\nname = \"api\"\n");
    assert_eq!(updated(&watch).1, ["name"]);
    save_by_rename(&path, "port = 1\nname = \"api\"\nport = \"soon\"\n");
    rejected(&watch);
    save_by_rename(&path, "port = 1\nname = \"api\"\n");
    match next(&watch) {
        Reload::Unchanged { warnings, .. } => assert!(warnings.is_empty()),
        other => panic!("the fix was not acknowledged: {other:?}"),
    }
    assert_eq!(watch.current().name, "api");

    // Acknowledged once: touching the good file again is quiet, so the
    // only answer to the reload by hand is its own.
    let loads = memory.loads();
    save_by_rename(&path, "port = 1\nname = \"api\"\n");
    memory.wait_for_load(loads);
    watch.reload().unwrap();
    assert!(matches!(next(&watch), Reload::Unchanged { .. }));
    thread::sleep(Duration::from_millis(300));
    assert!(watch.events().try_recv().is_err(), "a no-op touch was sent");
}

#[test]
fn reading_the_files_does_not_trigger_another_reload() {
    let dir = Tmp::new();
    let (path, memory, watch) = watched_with_memory(&dir);
    save_by_rename(&path, "port = 2\n");
    updated(&watch);

    // A reload opens the file, which is an event in the watched directory;
    // were it taken for a change, reloads would follow one another for as
    // long as the watch lives, one per debounce period.
    let loads = memory.loads();
    thread::sleep(Duration::from_millis(600));
    assert_eq!(memory.loads(), loads);
}

#[test]
fn reload_by_hand_reads_every_layer() {
    let memory = Memory::default();
    memory.set_port(1);
    let watch = App::builder().source(memory.clone()).watch().unwrap();
    assert_eq!(watch.current().port, 1);

    memory.set_port(2);
    watch.reload().unwrap();
    let (config, changed) = updated(&watch);
    assert_eq!((config.port, changed), (2, vec!["port".to_owned()]));
}

#[test]
fn a_panic_while_reloading_is_rejected_and_the_watch_lives_on() {
    let memory = Memory::default();
    memory.set_port(1);
    let watch = App::builder().source(memory.clone()).watch().unwrap();

    memory.0.lock().unwrap().panic = true;
    watch.reload().unwrap();
    let error = rejected(&watch);
    assert!(
        error.to_string().contains("the memory layer broke"),
        "{error}"
    );
    assert_eq!(watch.current().port, 1);

    {
        let mut state = memory.0.lock().unwrap();
        state.panic = false;
        state.port = Some(3);
    }
    watch.reload().unwrap();
    assert_eq!(updated(&watch).0.port, 3);
}

/// A source whose `watch_paths` panics once told to: user code the reload
/// thread runs outside a load.
#[derive(Clone, Default)]
struct Paths(Arc<std::sync::atomic::AtomicBool>);

impl Source for Paths {
    fn describe(&self) -> String {
        "paths".to_owned()
    }

    fn load(&self, _ctx: &mut LoadCtx<'_>) -> Result<Option<Value>, Vec<Problem>> {
        Ok(None)
    }

    fn watch_paths(&self) -> Vec<PathBuf> {
        if self.0.load(std::sync::atomic::Ordering::SeqCst) {
            panic!("the paths broke");
        }
        Vec::new()
    }
}

#[test]
fn a_watch_that_cannot_go_on_says_so_and_reload_returns_the_error() {
    let paths = Paths::default();
    let watch = App::builder()
        .toml_str("port = 1")
        .source(paths.clone())
        .watch()
        .unwrap();

    paths.0.store(true, std::sync::atomic::Ordering::SeqCst);
    watch.reload().unwrap();
    let error = rejected(&watch);
    let text = error.to_string();
    assert!(text.contains("the watch stopped"), "{text}");
    assert!(text.contains("the paths broke"), "{text}");
    assert_eq!(watch.current().port, 1);

    // Nothing answers any more, and that is said rather than left unsaid.
    let refused = watch.reload().unwrap_err().to_string();
    assert!(refused.contains("the watch stopped"), "{refused}");
    assert!(refused.contains("the paths broke"), "{refused}");
    assert!(watch.events().recv_timeout(WAIT).is_err());
    assert!(watch.events().is_disconnected());
}

#[test]
fn changes_are_named_by_key_and_secrets_never_by_value() {
    let (_dir, path, watch) = watched(
        "app.toml",
        "port = 1\ntoken = \"old-secret\"\n[labels]\nenv = \"dev\"\nteam = \"a\"\n",
    );

    save_by_rename(
        &path,
        "port = 1\ntoken = \"new-secret\"\n[labels]\nenv = \"prod\"\nteam = \"a\"\n",
    );
    let event = next(&watch);
    // The event's `Debug` shows the masked changes, not the configuration.
    let shown = format!("{event:?}");
    assert!(shown.contains("labels.env"), "{shown}");
    assert!(!shown.contains("new-secret"), "{shown}");
    let Reload::Updated {
        config, changed, ..
    } = event
    else {
        panic!("not an update: {shown}");
    };
    assert_eq!(changed, ["token", "labels.env"]);
    assert_eq!(config.token.as_deref(), Some("new-secret"));
    assert_eq!(config.labels.as_ref().unwrap()["env"], "prod");
    assert_eq!(config.name, "svc");
    assert!(!format!("{changed:?}").contains("secret"));
}

/// `Burst::stamp` must end with `!`: a reader that catches a write half
/// done sees a string without it (or no string at all) and rejects it.
#[derive(Config, Debug)]
struct Burst {
    #[config(validate = complete)]
    stamp: String,
}

fn complete(stamp: &String) -> Result<(), String> {
    match stamp.ends_with('!') {
        true => Ok(()),
        false => Err(format!("`{stamp}` is cut short")),
    }
}

#[test]
fn the_final_state_of_a_burst_of_writes_is_delivered_and_nothing_invalid_is_current() {
    let dir = Tmp::new();
    let path = dir.write("burst.toml", "stamp = \"0!\"\n");
    let watch = Arc::new(Burst::builder().file(&path).watch().unwrap());

    // A reader that checks every configuration it is given.
    let reader = Reader::start(&watch, Duration::ZERO, |now: &Burst| {
        assert!(now.stamp.ends_with('!'), "`{}` became current", now.stamp);
    });

    let last = 1000;
    for i in 1..=last {
        // Two writes per save, so that half-written files are really there
        // to be seen.
        let mut f = fs::File::create(&path).unwrap();
        f.write_all(format!("stamp = \"{i}-").as_bytes()).unwrap();
        f.flush().unwrap();
        f.write_all(b"done!\"\n").unwrap();
    }

    let want = format!("{last}-done!");
    let deadline = Instant::now() + WAIT;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match watch.events().recv_timeout(left) {
            Ok(Reload::Updated { config, .. }) => {
                assert!(config.stamp.ends_with('!'));
                if config.stamp == want {
                    break;
                }
            }
            Ok(Reload::Rejected { .. }) => {}
            Ok(other) => panic!("not an update: {other:?}"),
            Err(e) => panic!(
                "the final state was not delivered ({e}); current: {}",
                watch.current().stamp
            ),
        }
    }
    assert_eq!(watch.current().stamp, want);
    assert!(reader.stop() > 0);
}

#[test]
fn the_first_load_must_succeed() {
    let dir = Tmp::new();
    let missing = App::builder()
        .file(dir.path().join("nope.toml"))
        .watch()
        .unwrap_err();
    assert!(missing.to_string().contains("nope.toml"), "{missing}");

    let path = dir.write("app.toml", "port = 70000\n");
    let error = App::builder().file(&path).watch().unwrap_err();
    assert!(error.to_string().contains("70000"), "{error}");
}

/// A source that reports, through its `Arc`, whether the builder holding it
/// still exists: the reload thread owns the builder until it ends.
struct Alive(#[allow(dead_code)] Arc<()>);

impl Source for Alive {
    fn describe(&self) -> String {
        "alive".to_owned()
    }

    fn load(&self, _ctx: &mut LoadCtx<'_>) -> Result<Option<Value>, Vec<Problem>> {
        Ok(None)
    }
}

#[test]
fn dropping_the_watch_ends_its_thread_and_disconnects_receivers() {
    let dir = Tmp::new();
    let path = dir.write("app.toml", "port = 1\n");
    let alive = Arc::new(());
    let watch = App::builder()
        .file(&path)
        .source(Alive(alive.clone()))
        .watch()
        .unwrap();
    let events = watch.events().clone();
    let current = watch.current();
    assert_eq!(Arc::strong_count(&alive), 2);

    drop(watch);
    // Drop waits for the reload thread, which owned the builder.
    assert_eq!(Arc::strong_count(&alive), 1);
    assert!(events.is_disconnected());
    assert!(events.recv_timeout(WAIT).is_err());
    // What the application still holds stays valid.
    assert_eq!(current.port, 1);
    // Changes after the drop go nowhere, and nothing panics.
    fs::write(&path, "port = 2\n").unwrap();
}

/// Just enough executor to await a future on this thread.
fn block_on<F: std::future::Future>(future: F) -> F::Output {
    struct Unpark(thread::Thread);
    impl Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = Waker::from(Arc::new(Unpark(thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut future = std::pin::pin!(future);
    loop {
        match future.as_mut().poll(&mut cx) {
            Poll::Ready(out) => return out,
            Poll::Pending => thread::park_timeout(WAIT),
        }
    }
}

#[test]
fn reloads_can_be_awaited() {
    let memory = Memory::default();
    memory.set_port(1);
    let watch = App::builder().source(memory.clone()).watch().unwrap();
    let events = watch.events().clone();

    memory.set_port(4);
    watch.reload().unwrap();
    match block_on(events.recv_async()).unwrap() {
        Reload::Updated { config, .. } => assert_eq!(config.port, 4),
        other => panic!("{other:?}"),
    }
    drop(watch);
    assert!(block_on(events.recv_async()).is_err());
}

/// A server whose listen address and pool are read once, at start.
#[derive(Config, Debug)]
struct Server {
    #[config(default = "127.0.0.1:8080", restart)]
    listen: String,
    #[config(nested, restart)]
    pool: Pool,
    #[config(default = "info")]
    level: String,
    #[config(secret)]
    token: Option<String>,
}

#[derive(Config, Debug)]
struct Pool {
    #[config(default = 4)]
    size: u32,
}

#[test]
fn a_reload_reads_as_old_and_new_values_with_origins_and_lists_restarts_apart() {
    let dir = Tmp::new();
    let path = dir.write(
        "server.toml",
        "listen = \"0.0.0.0:80\"\nlevel = \"info\"\ntoken = \"old-secret\"\n",
    );
    let watch = Server::builder().file(&path).watch().unwrap();

    save_by_rename(
        &path,
        "listen = \"0.0.0.0:81\"\nlevel = \"debug\"\ntoken = \"new-secret\"\n[pool]\nsize = 8\n",
    );
    match next(&watch) {
        Reload::Updated {
            config,
            changed,
            changes,
            restart_required,
            ..
        } => {
            // Still updated in the value; the application decides.
            assert_eq!(
                (config.listen.as_str(), config.pool.size),
                ("0.0.0.0:81", 8)
            );
            assert_eq!(config.level, "debug");
            assert_eq!(config.token.as_deref(), Some("new-secret"));
            assert_eq!(changed, ["listen", "pool.size", "level", "token"]);
            assert_eq!(restart_required, ["listen", "pool.size"]);
            let log: String = changes.iter().map(|c| format!("{c}\n")).collect();
            let file = path.display();
            assert_eq!(
                log,
                format!(
                    "listen: \"0.0.0.0:80\" ({file}:1:10) -> \"0.0.0.0:81\" ({file}:1:10) \
                     (takes effect at restart)\n\
                     pool.size: 4 (default) -> 8 ({file}:5:8) (takes effect at restart)\n\
                     level: \"info\" ({file}:2:9) -> \"debug\" ({file}:2:9)\n\
                     token: \"<secret>\" ({file}:3:9) -> \"<secret>\" ({file}:3:9)\n"
                )
            );
            assert!(!format!("{changes:?}").contains("-secret"), "{changes:?}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn warnings_of_a_reload_arrive_with_it() {
    let dir = Tmp::new();
    let path = dir.write("app.toml", "port = 1\n");
    let watch = App::builder()
        .file(&path)
        .unknown_keys(staid::Unknown::Warn)
        .watch()
        .unwrap();
    let texts = |warnings: &[staid::Warning]| -> Vec<String> {
        warnings
            .iter()
            .map(|w| w.key().unwrap_or("").to_owned())
            .collect()
    };

    save_by_rename(&path, "port = 2\nprot = 3\n");
    match next(&watch) {
        Reload::Updated { warnings, .. } => assert_eq!(texts(&warnings), ["prot"]),
        other => panic!("{other:?}"),
    }
    // Nothing changed, but there is something new to say.
    save_by_rename(&path, "port = 2\nprot = 3\nhots = \"x\"\n");
    match next(&watch) {
        Reload::Unchanged { warnings, .. } => assert_eq!(texts(&warnings), ["prot", "hots"]),
        other => panic!("{other:?}"),
    }
    // The same again is not news; asked for, it is the answer.
    save_by_rename(&path, "port = 2\nprot = 3\nhots = \"x\"\n");
    watch.reload().unwrap();
    match next(&watch) {
        Reload::Unchanged { warnings, .. } => assert_eq!(texts(&warnings).len(), 2),
        other => panic!("{other:?}"),
    }
    // Had the save sent anything, it would come before this.
    save_by_rename(&path, "port = 5\n");
    match next(&watch) {
        Reload::Updated {
            config, warnings, ..
        } => assert_eq!((config.port, warnings.len()), (5, 0)),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_garbage_file_is_rejected_quickly_and_drop_does_not_wait_long() {
    let (_dir, path, watch) = watched("app.toml", "port = 1\n");
    // 100 KB of garbage: 40,000 syntax errors before reports were bounded,
    // a load of many seconds that a drop had to wait for.
    let started = Instant::now();
    save_by_rename(&path, &"=\n".repeat(50_000));
    match next(&watch) {
        Reload::Rejected { error } => {
            let text = error.to_string();
            assert!(text.contains("more syntax errors in this file"), "{text}");
        }
        other => panic!("expected Rejected, got {other:?}"),
    }
    let rejected = started.elapsed();
    assert_eq!(watch.current().port, 1);
    // Again, and drop while that load may be running.
    save_by_rename(&path, &"=\n".repeat(50_000));
    thread::sleep(Duration::from_millis(60));
    let dropping = Instant::now();
    drop(watch);
    let dropped = dropping.elapsed();
    assert!(
        dropped < rejected + Duration::from_secs(2),
        "drop took {dropped:?}, a whole reload {rejected:?}"
    );
}

/// Sections whose elements hold a secret, and an enum section; read only
/// through the changes of a reload.
#[derive(Config, Debug)]
#[allow(dead_code)]
struct Fleet {
    #[config(nested)]
    routes: Vec<Route>,
    #[config(nested)]
    upstreams: BTreeMap<String, Route>,
    #[config(nested)]
    store: Option<Store>,
}

#[derive(Config, Debug)]
#[allow(dead_code)]
struct Route {
    #[config(default = "/")]
    path: String,
    #[config(secret, default = "dflt-key")]
    key: String,
}

#[derive(Config, Debug)]
#[allow(dead_code)]
enum Store {
    Memory,
    Disk(Disk),
    Cloud(Cloud),
}

#[derive(Config, Debug)]
#[allow(dead_code)]
struct Cloud {
    dir: String,
    bucket: String,
}

#[derive(Config, Debug)]
#[allow(dead_code)]
struct Disk {
    dir: String,
    #[config(secret)]
    passphrase: Option<String>,
}

/// A change to a list or map of sections shows their elements with the
/// secrets masked, and a switch of an enum section's variant names the
/// keys of the variant it left.
#[test]
fn changes_mask_secrets_inside_sections_and_name_what_a_variant_left() {
    let dir = Tmp::new();
    let path = dir.write(
        "fleet.toml",
        "[[routes]]\nkey = \"SECRET-1\"\n[upstreams.x]\nkey = \"SECRET-2\"\n\
         [store]\nkind = \"disk\"\ndir = \"/d\"\npassphrase = \"SECRET-3\"\n",
    );
    let watch = Fleet::builder().file(&path).watch().unwrap();
    save_by_rename(
        &path,
        "[[routes]]\npath = \"/b\"\nkey = \"SECRET-4\"\n[store]\nkind = \"memory\"\n",
    );
    match next(&watch) {
        Reload::Updated {
            changed, changes, ..
        } => {
            let log: String = changes
                .iter()
                .map(|c| format!("{}\n", dir.text(c)))
                .collect();
            for secret in ["SECRET", "dflt-key"] {
                assert!(!log.contains(secret), "{log}");
            }
            assert_eq!(
                changed,
                [
                    "routes",
                    "upstreams",
                    "store.kind",
                    "store.dir",
                    "store.passphrase"
                ],
                "{log}"
            );
            assert!(
                log.contains("routes: [{ key = \"<secret>\", path = \"/\" }]"),
                "{log}"
            );
        }
        other => panic!("{other:?}"),
    }
}

/// Two variants with a key of the same name: a switch names it once.
#[test]
fn a_variant_switch_names_a_shared_key_once() {
    let dir = Tmp::new();
    let path = dir.write("fleet.toml", "[store]\nkind = \"disk\"\ndir = \"/d\"\n");
    let watch = Fleet::builder().file(&path).watch().unwrap();
    save_by_rename(
        &path,
        "[store]\nkind = \"cloud\"\ndir = \"/c\"\nbucket = \"b\"\n",
    );
    let (_, changed) = updated(&watch);
    assert_eq!(changed, ["store.kind", "store.dir", "store.bucket"]);
}

#[derive(Config, Debug)]
#[allow(dead_code)] // read through the changes of a reload
struct Headers {
    #[config(secret, default = {})]
    headers: BTreeMap<String, String>,
}

#[derive(Config, Debug)]
#[allow(dead_code)] // read through the changes of a reload
struct Keys {
    #[config(secret)]
    keys: Option<BTreeMap<String, String>>,
}

/// The log lines of the one update a watch of `path` (holding `old`)
/// sends when `new` is saved over it, with `$FILE` for the path; the
/// changes' `Debug` holds no secret either.
fn change_log<C: Config + std::fmt::Debug + Send + Sync>(
    dir: &Tmp,
    old: &str,
    new: &str,
) -> String {
    let path = dir.write("secrets.toml", old);
    let watch = C::builder().file(&path).watch().unwrap();
    save_by_rename(&path, new);
    match next(&watch) {
        Reload::Updated { changes, .. } => {
            assert!(!format!("{changes:?}").contains("-secret"), "{changes:?}");
            let log: String = changes.iter().map(|c| format!("{c}\n")).collect();
            log.replace(&path.display().to_string(), "$FILE")
        }
        other => panic!("{other:?}"),
    }
}

/// A secret map is one change, masked, and named by where the entry that
/// changed was set: not by the default `{}` it began from, nor by the
/// header or inline table that made it.
#[test]
fn a_secret_map_changes_as_one_masked_value_named_by_the_entry_that_changed() {
    let dir = Tmp::new();
    assert_eq!(
        change_log::<Headers>(
            &dir,
            "[headers]\nx = \"old-secret\"\n",
            "[headers]\nx = \"new-secret\"\n"
        ),
        "headers: \"<secret>\" ($FILE:2:5) -> \"<secret>\" ($FILE:2:5)\n"
    );
    for (old, new, at) in [
        (
            "[keys]\na = \"a-secret\"\nb = \"old-secret\"\n",
            "[keys]\na = \"a-secret\"\nb = \"new-secret\"\n",
            "3:5",
        ),
        (
            "keys = { a = \"a-secret\", b = \"old-secret\" }\n",
            "keys = { a = \"a-secret\", b = \"new-secret\" }\n",
            "1:30",
        ),
    ] {
        assert_eq!(
            change_log::<Keys>(&dir, old, new),
            format!("keys: \"<secret>\" ($FILE:{at}) -> \"<secret>\" ($FILE:{at})\n"),
            "{new}"
        );
    }
}

/// A named pipe given by name is read by the first load; a reload does not
/// read it (it would wait for a writer), so `reload()` is answered and the
/// watch stops at once, whether the pipe was there from the start or put in
/// a file's place later.
#[test]
fn a_named_pipe_is_read_once_and_a_reload_is_answered_without_waiting_for_it() {
    let dir = Tmp::new();
    let fifo = dir.fifo("app.toml");
    let feed = fifo.clone();
    let writer = thread::spawn(move || fs::write(feed, "port = 1\n").unwrap());
    let watch = App::builder().file(&fifo).watch().unwrap();
    writer.join().unwrap();
    assert_eq!(watch.current().port, 1);
    watch.reload().unwrap();
    let error = rejected(&watch);
    assert!(
        dir.text(&error)
            .contains("cannot read $DIR/app.toml: it is not a regular file"),
        "{error}"
    );
    assert_eq!(watch.current().port, 1);
    let stopped = Instant::now();
    tmp::within_10s(move || drop(watch));
    assert!(stopped.elapsed() < Duration::from_secs(5));

    // A watched file replaced by a pipe.
    let path = dir.write("b.toml", "port = 2\n");
    let watch = App::builder().file(&path).watch().unwrap();
    fs::remove_file(&path).unwrap();
    dir.fifo("b.toml");
    let error = rejected(&watch);
    assert!(
        dir.text(&error)
            .contains("$DIR/b.toml: it is not a regular file"),
        "{error}"
    );
    assert_eq!(watch.current().port, 2);
    tmp::within_10s(move || drop(watch));
}

/// A watched path that a symlink swap turns into a FIFO between the look
/// at it and its open (a link switched by rename, over and over): every
/// `reload()` is answered, none waits for a writer.
#[cfg(unix)]
#[test]
fn a_path_swapped_for_a_pipe_while_a_reload_opens_it_never_holds_the_reload() {
    use std::os::unix::fs::symlink;
    use std::sync::atomic::{AtomicBool, Ordering};
    let dir = Tmp::new();
    dir.write("real.toml", "port = 2\n");
    let fifo = dir.fifo("pipe");
    let path = dir.path().join("app.toml");
    symlink("real.toml", &path).unwrap();
    let watch = App::builder().file(&path).watch().unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let swapper = {
        let (stop, dir) = (stop.clone(), dir.path().to_path_buf());
        thread::spawn(move || {
            let mut to_pipe = true;
            while !stop.load(Ordering::Relaxed) {
                let link = dir.join("next.lnk");
                let _ = fs::remove_file(&link);
                symlink(if to_pipe { "pipe" } else { "real.toml" }, &link).unwrap();
                fs::rename(&link, dir.join("app.toml")).unwrap();
                to_pipe = !to_pipe;
            }
        })
    };
    let started = Instant::now();
    let mut stuck = false;
    while started.elapsed() < Duration::from_secs(3) && !stuck {
        watch.reload().unwrap();
        stuck = watch.events().recv_timeout(Duration::from_secs(2)).is_err();
    }
    stop.store(true, Ordering::Relaxed);
    swapper.join().unwrap();
    if stuck {
        // Let the held reload go, so that the test ends.
        let _ = fs::OpenOptions::new().write(true).open(&fifo);
    }
    assert!(!stuck, "a reload waited for a writer of the pipe");
    tmp::within_10s(move || drop(watch));
}

/// A change of a value that came as text (a `.env` file, like the
/// environment) is shown as the field's type reads it: `port: 10 -> 21`,
/// not `"10" -> "21"`.
#[test]
fn a_reload_shows_text_values_as_their_fields_read_them() {
    let dir = Tmp::new();
    let path = dir.write("app.env", "APP_PORT=10\n");
    #[derive(Config, Debug)]
    #[config(name = "app")]
    #[allow(dead_code)] // read through the changes of a reload
    struct Env {
        port: u16,
        #[config(default = [])]
        ports: Vec<u16>,
    }
    let watch = Env::builder().dotenv(&path).watch().unwrap();
    save_by_rename(&path, "APP_PORT=21\nAPP_PORTS=1,2\n");
    match next(&watch) {
        Reload::Updated { changes, .. } => {
            let log: Vec<String> = changes.iter().map(|c| dir.text(c)).collect();
            assert_eq!(
                log,
                [
                    "port: 10 ($DIR/app.env:1:10) -> 21 ($DIR/app.env:1:10)",
                    "ports: [] (default) -> [1, 2] ($DIR/app.env:2:11)",
                ]
            );
        }
        other => panic!("{other:?}"),
    }
}

#[derive(Config, Debug)]
#[config(name = "rot")]
struct Rotated {
    #[config(default = 1)]
    port: u16,
    #[config(secret)]
    password: Option<String>,
}

/// A secret mounted as a file (`ROT_PASSWORD_FILE`, a Kubernetes secret)
/// reloads when the file is rotated, as a file layer does.
#[test]
fn a_file_named_by_a_file_variable_is_watched() {
    for from in ["environment", ".env", ".env, substituted"] {
        let dir = Tmp::new();
        let secret = dir.write("secret/password", "first-pass\n");
        let builder = match from {
            "environment" => {
                Rotated::builder().env_from([("ROT_PASSWORD_FILE", secret.display().to_string())])
            }
            ".env" => {
                let dotenv = dir.write(".env", "ROT_PASSWORD_FILE=secret/password\n");
                Rotated::builder().env_from([("X", "1")]).dotenv(dotenv)
            }
            _ => {
                let dotenv = dir.write(".env", "ROT_PASSWORD_FILE=${SECRETS}/password\n");
                let secrets = dir.path().join("secret").display().to_string();
                Rotated::builder()
                    .env_from([("SECRETS", secrets)])
                    .dotenv(dotenv)
            }
        };
        let watch = builder
            .watch_with(staid::WatchOptions::new().sighup(false))
            .unwrap();
        assert_eq!(watch.current().password.as_deref(), Some("first-pass"));
        save_by_rename(&secret, "second-pass\n");
        let (config, changed) = updated(&watch);
        assert_eq!(changed, ["password"], "{from}");
        assert_eq!(config.password.as_deref(), Some("second-pass"));
    }
}

/// A credential added to the directory after the watch began reloads, as
/// a drop-in added to its directory does.
#[test]
fn a_credential_added_later_is_seen() {
    let dir = Tmp::new();
    let creds = dir.path().join("creds");
    fs::create_dir_all(&creds).unwrap();
    let watch = Rotated::builder()
        .env_from([("CREDENTIALS_DIRECTORY", creds.display().to_string())])
        .credentials()
        .watch_with(staid::WatchOptions::new().sighup(false))
        .unwrap();
    assert_eq!(watch.current().port, 1);
    save_by_rename(&creds.join("port"), "9\n");
    let (config, changed) = updated(&watch);
    assert_eq!(changed, ["port"]);
    assert_eq!(config.port, 9);
}

/// An application that never reads `events()` keeps no more than the last
/// 64 reloads: older configurations are dropped, not kept alive forever.
#[test]
fn unread_reloads_are_bounded_and_the_oldest_go() {
    let (_dir, path, watch) = watched("app.toml", "port = 1\n");
    let first = Arc::downgrade(&watch.current());
    let until = |port: u16| {
        let start = Instant::now();
        while watch.current().port != port {
            assert!(start.elapsed() < WAIT, "port {port} was never loaded");
            thread::sleep(Duration::from_millis(5));
        }
    };
    save_by_rename(&path, "port = 2\n");
    watch.reload().unwrap();
    until(2);
    let second = Arc::downgrade(&watch.current());
    for port in 3..=80 {
        save_by_rename(&path, &format!("port = {port}\n"));
        watch.reload().unwrap();
        until(port);
    }
    // The explicit reloads of ports already current send `Unchanged`, so
    // the channel may have filled with those: wait until it is full.
    let start = Instant::now();
    while watch.events().len() < 64 {
        assert!(start.elapsed() < WAIT, "{} events", watch.events().len());
        thread::sleep(Duration::from_millis(5));
    }
    thread::sleep(Duration::from_millis(200));
    assert_eq!(watch.events().len(), 64);
    assert!(first.upgrade().is_none());
    assert!(
        second.upgrade().is_none(),
        "the second configuration is kept"
    );
    // What is left is the newest: the last event is of port 80.
    let last = watch.events().drain().last().unwrap();
    match last {
        Reload::Updated { config, .. } => assert_eq!(config.port, 80),
        Reload::Unchanged { .. } => assert_eq!(watch.current().port, 80),
        other => panic!("{other:?}"),
    }
}
