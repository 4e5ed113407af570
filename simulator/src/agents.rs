//! The asset dataset: Cloud Agent hosts and untagged assets, generated from a seed.
//!
//! [`Dataset::generate`] draws everything from one `ChaCha8Rng` seeded with the seed, so a seed
//! always gives the same assets. What it guarantees, whatever the seed:
//!
//! * ids are unique, ascending and **not** contiguous (random gaps of 1 to 25), agents and
//!   untagged assets interleaved;
//! * every agent has the [`CLOUD_AGENT_TAG`] tag, `trackingMethod` [`TRACKING_METHOD_AGENT`] and
//!   an [`AgentInfo`]; about a third have no other tag (a list of one), the others one to three
//!   more; untagged assets never have that tag, are tracked by [`TRACKING_METHOD_IP`] and have no
//!   agent;
//! * host names are realistic (`DESKTOP-7K2M9QX`, `fra-sql03`, `web-prod-07`, `ip-10-1-2-3`,
//!   `annas-macbook-pro-4`), and every 17th agent (the 5th, 22nd, …) gets a name with XML
//!   special characters or non-ASCII, cycling through `münchen-db01`, `R&D-laptop-01`,
//!   `o'brien-mac-1`, `dev<test>-build01`, `kiosk-"lobby"-1`, `Zürich-Büro-01`, `東京-web01`,
//!   `São-Paulo-fs01`, `a&b<c>d-lab1`, then the same names numbered 2, and so on (the default
//!   300 agents hold each of them twice);
//! * check-ins are whole seconds spread over the [`CHECK_IN_WINDOW_DAYS`] days before
//!   [`REFERENCE_INSTANT`] (within `(REFERENCE_INSTANT - 90 days, REFERENCE_INSTANT]`), and every
//!   13th agent (the 8th, 21st, …) checked in at exactly the same second as the agent before it;
//! * modules: about 85 % of agents have [`MODULE_VM`], 60 % [`MODULE_PC`], 30 % [`MODULE_SCA`],
//!   and some `AGENT_FIM`; every agent has at least one module;
//! * optional fields are sometimes missing: `dnsHostName`/`fqdn` (about 8 %), `address` (5 %),
//!   `netbiosName` (non-Windows hosts and some Windows ones), `agentVersion` (4 %), `os` (1 %);
//! * with heavy fields, every asset lists 10 to 30 installed programs and 2 to 10 open ports
//!   (runs of static catalogues, so they cost no allocation).
//!
//! Generating 50 000 agents takes about 0.1 s in an optimised build (and a few times that in
//! an unoptimised test build).

use rand::seq::{IndexedRandom, SliceRandom};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use time::format_description::FormatItem;
use time::macros::{datetime, format_description};
use time::{Duration, OffsetDateTime};

/// The simulator's "now": check-ins lie in the 90 days before it, and every date the simulator
/// writes about the present is this instant.
pub const REFERENCE_INSTANT: OffsetDateTime = datetime!(2026-11-01 00:00:00 UTC);
/// Check-ins are spread over this many days before [`REFERENCE_INSTANT`].
pub const CHECK_IN_WINDOW_DAYS: i64 = 90;
/// The tag every Cloud Agent asset has.
pub const CLOUD_AGENT_TAG: &str = "Cloud Agent";
/// Id of the [`CLOUD_AGENT_TAG`] tag.
pub const CLOUD_AGENT_TAG_ID: u64 = 7_001_001;
/// `trackingMethod` of agents.
pub const TRACKING_METHOD_AGENT: &str = "QAGENT";
/// `trackingMethod` of the untagged assets.
pub const TRACKING_METHOD_IP: &str = "IP";
/// Vulnerability Management module (needed by `Vulnerability_Scan` and `SWCA_scan`).
pub const MODULE_VM: &str = "AGENT_VM";
/// Policy Compliance module (needed by `PolicyCompliance_Scan` and `UDC_Scan`).
pub const MODULE_PC: &str = "AGENT_PC";
/// Secure Configuration Assessment module (needed by `SCA_Scan`).
pub const MODULE_SCA: &str = "AGENT_SCA";
/// File Integrity Monitoring module (needed by no scan; a module the connector does not know).
const MODULE_FIM: &str = "AGENT_FIM";

/// `YYYY-MM-DDTHH:MM:SSZ`: how Qualys writes dates, and the first form it reads.
pub(crate) const WHOLE_SECONDS: &[FormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");

/// Formats an instant the way Qualys writes dates: `YYYY-MM-DDTHH:MM:SSZ` (UTC, whole seconds).
pub fn format_instant(instant: OffsetDateTime) -> String {
    let utc = instant.to_offset(time::UtcOffset::UTC);
    utc.format(WHOLE_SECONDS).unwrap_or_default()
}

/// Every generated asset, sorted by id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dataset {
    /// The assets, ids ascending.
    pub assets: Vec<Asset>,
}

/// A host asset, with the fields Qualys writes in a `HostAsset` element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Asset {
    /// The host asset id (what scans take).
    pub id: u64,
    /// `name`.
    pub name: String,
    /// `dnsHostName`.
    pub dns_host_name: Option<String>,
    /// `fqdn`.
    pub fqdn: Option<String>,
    /// `os`.
    pub os: Option<String>,
    /// `address` (IPv4).
    pub address: Option<String>,
    /// `netbiosName`.
    pub netbios_name: Option<String>,
    /// `created`.
    pub created: OffsetDateTime,
    /// `modified`.
    pub modified: OffsetDateTime,
    /// `trackingMethod`: [`TRACKING_METHOD_AGENT`] or [`TRACKING_METHOD_IP`].
    pub tracking_method: String,
    /// `tags/list/TagSimple`.
    pub tags: Vec<Tag>,
    /// `agentInfo`, for agents only.
    pub agent_info: Option<AgentInfo>,
    /// `software/list/HostAssetSoftware` (heavy fields only; a slice of a static catalogue).
    pub software: &'static [InstalledSoftware],
    /// `openPort/list/HostAssetOpenPort` (heavy fields only; a slice of a static catalogue,
    /// sorted by port).
    pub open_ports: &'static [OpenPort],
}

impl Asset {
    /// Whether the asset has the `Cloud Agent` tag.
    pub fn has_cloud_agent_tag(&self) -> bool {
        self.tags.iter().any(|tag| tag.name == CLOUD_AGENT_TAG)
    }

    /// The agent's last check-in, for agents.
    pub fn last_checked_in(&self) -> Option<OffsetDateTime> {
        self.agent_info.as_ref().map(|agent| agent.last_checked_in)
    }

    /// Whether the asset's agent has this module (e.g. [`MODULE_VM`]) activated.
    pub fn has_module(&self, module: &str) -> bool {
        self.agent_info
            .as_ref()
            .is_some_and(|agent| agent.activated_modules.iter().any(|m| m == module))
    }

    /// The tag names.
    pub fn tag_names(&self) -> impl Iterator<Item = &str> {
        self.tags.iter().map(|tag| tag.name.as_str())
    }
}

/// A tag on an asset (`TagSimple`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tag {
    /// `id`.
    pub id: u64,
    /// `name`.
    pub name: String,
}

/// The `agentInfo` element of an agent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentInfo {
    /// `agentVersion`.
    pub agent_version: Option<String>,
    /// `agentId`: the agent's UUID.
    pub agent_id: String,
    /// `status`: `STATUS_ACTIVE` or `STATUS_INACTIVE`.
    pub status: String,
    /// `lastCheckedIn`, whole seconds, UTC.
    pub last_checked_in: OffsetDateTime,
    /// `connectedFrom`.
    pub connected_from: Option<String>,
    /// `platform`: `Windows`, `Linux` or `MacOS`.
    pub platform: String,
    /// `activatedModule`, in this order, written comma-separated.
    pub activated_modules: Vec<String>,
    /// `manifestVersion`.
    pub manifest_version: Option<String>,
    /// `agentConfiguration`.
    pub agent_configuration: Option<AgentConfiguration>,
    /// `activationKey`.
    pub activation_key: Option<ActivationKey>,
}

impl AgentInfo {
    /// `activatedModule` as written: `AGENT_VM,AGENT_PC`.
    pub fn activated_module_text(&self) -> String {
        self.activated_modules.join(",")
    }
}

/// `agentInfo/agentConfiguration`: the configuration profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentConfiguration {
    /// `id`.
    pub id: u64,
    /// `name`.
    pub name: String,
}

/// `agentInfo/activationKey`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivationKey {
    /// `activationId` (a UUID).
    pub activation_id: String,
    /// `title`.
    pub title: String,
}

/// `HostAssetSoftware`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InstalledSoftware {
    /// `name`.
    pub name: &'static str,
    /// `version`.
    pub version: &'static str,
}

/// `HostAssetOpenPort`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenPort {
    /// `port`.
    pub port: u16,
    /// `protocol`: `TCP` or `UDP`.
    pub protocol: &'static str,
    /// `serviceName`.
    pub service_name: &'static str,
}

impl Dataset {
    /// Generates `agents` Cloud Agent assets and `untagged` other assets from `seed`.
    pub fn generate(seed: u64, agents: usize, untagged: usize, heavy_fields: bool) -> Dataset {
        let mut generator = Generator::new(seed, heavy_fields);
        let mut kinds: Vec<bool> = std::iter::repeat_n(true, agents)
            .chain(std::iter::repeat_n(false, untagged))
            .collect();
        kinds.shuffle(&mut generator.rng);
        let mut assets = Vec::with_capacity(kinds.len());
        let mut id = 48_213_000 + generator.rng.random_range(0..1000u64);
        for is_agent in kinds {
            id += generator.rng.random_range(1..=25u64);
            let asset = if is_agent {
                generator.agent(id)
            } else {
                generator.untagged(id)
            };
            assets.push(asset);
        }
        Dataset { assets }
    }

    /// The asset with this id.
    pub fn asset(&self, id: u64) -> Option<&Asset> {
        self.assets
            .binary_search_by_key(&id, |asset| asset.id)
            .ok()
            .map(|index| &self.assets[index])
    }

    /// The assets with the `Cloud Agent` tag, ids ascending.
    pub fn agents(&self) -> impl Iterator<Item = &Asset> {
        self.assets
            .iter()
            .filter(|asset| asset.has_cloud_agent_tag())
    }
}

/// The operating systems agents run, with their platform and a weight.
const OPERATING_SYSTEMS: &[(&str, Platform, u32)] = &[
    ("Microsoft Windows 10 Pro 10.0.19045", Platform::Windows, 14),
    (
        "Microsoft Windows 11 Enterprise 10.0.22631",
        Platform::Windows,
        12,
    ),
    ("Microsoft Windows 11 Pro 10.0.26100", Platform::Windows, 6),
    (
        "Microsoft Windows Server 2019 Standard",
        Platform::WindowsServer,
        10,
    ),
    (
        "Microsoft Windows Server 2022 Datacenter",
        Platform::WindowsServer,
        8,
    ),
    (
        "Microsoft Windows Server 2016 Standard",
        Platform::WindowsServer,
        4,
    ),
    ("Ubuntu 22.04.4 LTS", Platform::Linux, 10),
    ("Ubuntu 20.04.6 LTS", Platform::Linux, 5),
    ("Red Hat Enterprise Linux 8.9", Platform::Linux, 7),
    ("Red Hat Enterprise Linux 9.3", Platform::Linux, 4),
    ("Debian GNU/Linux 12", Platform::Linux, 4),
    ("Amazon Linux 2", Platform::Linux, 5),
    ("CentOS Linux 7.9.2009", Platform::Linux, 2),
    ("SUSE Linux Enterprise Server 15 SP5", Platform::Linux, 2),
    ("macOS 14.5", Platform::MacOs, 4),
    ("macOS 13.6.7", Platform::MacOs, 2),
    ("macOS 15.1", Platform::MacOs, 1),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Platform {
    Windows,
    WindowsServer,
    Linux,
    MacOs,
}

impl Platform {
    fn qualys_name(self) -> &'static str {
        match self {
            Platform::Windows | Platform::WindowsServer => "Windows",
            Platform::Linux => "Linux",
            Platform::MacOs => "MacOS",
        }
    }

    fn is_windows(self) -> bool {
        matches!(self, Platform::Windows | Platform::WindowsServer)
    }
}

/// Names with XML special characters and non-ASCII; `#` is replaced by a number.
const SPECIAL_NAME_TEMPLATES: &[&str] = &[
    "münchen-db0#",
    "R&D-laptop-0#",
    "o'brien-mac-#",
    "dev<test>-build0#",
    "kiosk-\"lobby\"-#",
    "Zürich-Büro-0#",
    "東京-web0#",
    "São-Paulo-fs0#",
    "a&b<c>d-lab#",
];

const SITES: &[&str] = &["fra", "nyc", "lon", "sin", "par", "ber", "chi", "syd"];
const SERVER_ROLES: &[&str] = &["web", "db", "app", "dc", "sql", "fs", "mq", "cache", "api"];
const ENVIRONMENTS: &[&str] = &["prod", "stage", "dev", "qa"];
const FIRST_NAMES: &[&str] = &["anna", "ben", "chloe", "dmitri", "elena", "farid", "greta"];

const OTHER_TAGS: &[(u64, &str)] = &[
    (7_001_020, "Production"),
    (7_001_021, "Europe"),
    (7_001_022, "R&D"),
    (7_001_023, "PCI <Scope>"),
    (7_001_024, "Crown \"Jewels\""),
    (7_001_025, "Légal"),
];
const WINDOWS_TAG: (u64, &str) = (7_001_010, "Windows");
const LINUX_TAG: (u64, &str) = (7_001_011, "Linux");
const MAC_TAG: (u64, &str) = (7_001_012, "macOS");
const UNTAGGED_TAGS: &[(u64, &str)] = &[
    (7_001_030, "Scanned by IP"),
    (7_001_031, "DMZ"),
    (7_001_020, "Production"),
];

const CONFIGURATION_PROFILES: &[(u64, &str)] = &[
    (1_201_001, "Initial Profile"),
    (1_201_002, "Servers - Low CPU"),
    (1_201_003, "Workstations & Laptops"),
    (1_201_004, "EU <GDPR> hosts"),
];

const ACTIVATION_KEYS: &[(&str, &str)] = &[
    ("5b6e7a1c-0d2f-4c3a-9e8b-1f2a3b4c5d6e", "Default key"),
    ("8c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f", "Servers & Infra"),
    ("0f9e8d7c-6b5a-4948-8776-655443322110", "Laptops \"2026\""),
];

const WINDOWS_AGENT_VERSIONS: &[&str] = &["6.1.0.28", "6.0.0.41", "5.7.0.17", "4.8.0.31"];
const UNIX_AGENT_VERSIONS: &[&str] = &["6.2.0.18", "6.1.1.9", "5.9.0.29", "4.7.1.3"];

const WINDOWS_SOFTWARE: &[InstalledSoftware] = &[
    software("Microsoft Edge", "130.0.2849.68"),
    software("Google Chrome", "130.0.6723.117"),
    software("Mozilla Firefox (x64 en-US)", "132.0.1"),
    software(
        "Microsoft Visual C++ 2015-2022 Redistributable (x64)",
        "14.40.33810.0",
    ),
    software(
        "Microsoft Visual C++ 2013 Redistributable (x86)",
        "12.0.40664",
    ),
    software(
        "Microsoft Office Professional Plus 2019",
        "16.0.10412.20006",
    ),
    software(
        "Microsoft 365 Apps for enterprise - en-us",
        "16.0.18129.20116",
    ),
    software("Microsoft Teams", "24295.605.3225.8804"),
    software("7-Zip 23.01 (x64)", "23.01"),
    software("Notepad++ (64-bit x64)", "8.6.9"),
    software("Adobe Acrobat Reader DC", "24.004.20220"),
    software("Java 8 Update 431", "8.0.4310.10"),
    software("Python 3.12.7 (64-bit)", "3.12.7150.0"),
    software("Git", "2.47.0"),
    software("PuTTY release 0.81 (64-bit)", "0.81.0.0"),
    software("VLC media player", "3.0.21"),
    software("Zoom Workplace", "6.2.6 (49050)"),
    software("AT&T Global Network Client", "10.1.5"),
    software("Qualys Cloud Security Agent", "6.1.0.28"),
    software("Microsoft .NET Runtime - 8.0.10 (x64)", "64.40.25178"),
    software("Microsoft SQL Server 2019 (64-bit)", "15.0.2000.5"),
    software("Microsoft OneDrive", "24.201.1006.0005"),
    software("Cisco Secure Client - AnyConnect VPN", "5.1.4.74"),
    software("Dell Command | Update", "5.4.0"),
    software("Windows PC Health Check", "3.6.2204.08001"),
    software("WinRAR 7.01 (64-bit)", "7.01.0"),
    software("Slack (Machine - MSI)", "4.41.97"),
    software("Visual Studio Code", "1.95.1"),
    software("Wireshark 4.4.1 x64", "4.4.1"),
    software("Microsoft Update Health Tools", "5.72.0.0"),
];

const LINUX_SOFTWARE: &[InstalledSoftware] = &[
    software("openssl", "3.0.2-0ubuntu1.18"),
    software("openssh-server", "1:8.9p1-3ubuntu0.10"),
    software("bash", "5.1-6ubuntu1.1"),
    software("coreutils", "8.32-4.1ubuntu1.2"),
    software("curl", "7.81.0-1ubuntu1.18"),
    software("libc6", "2.35-0ubuntu3.8"),
    software("python3", "3.10.6-1~22.04.1"),
    software("systemd", "249.11-0ubuntu3.12"),
    software("sudo", "1.9.9-1ubuntu2.4"),
    software("nginx", "1.18.0-6ubuntu14.5"),
    software("apache2", "2.4.52-1ubuntu4.12"),
    software("postgresql-14", "14.13-0ubuntu0.22.04.1"),
    software("mysql-server-8.0", "8.0.39-0ubuntu0.22.04.1"),
    software("docker-ce", "5:27.3.1-1~ubuntu.22.04~jammy"),
    software("containerd.io", "1.7.22-1"),
    software("kernel", "5.15.0-125.135"),
    software("glibc", "2.28-236.el8_9.13"),
    software("rsyslog", "8.2112.0-2ubuntu2.2"),
    software("vim", "2:8.2.3995-1ubuntu2.19"),
    software("git", "1:2.34.1-1ubuntu1.11"),
    software("qualys-cloud-agent", "6.2.0.18"),
    software("zlib1g", "1:1.2.11.dfsg-2ubuntu9.2"),
    software("libxml2", "2.9.13+dfsg-1ubuntu0.4"),
    software("tar", "1.34+dfsg-1ubuntu0.1.22.04.2"),
    software("cron", "3.0pl1-137ubuntu3"),
    software("java-17-openjdk-headless", "17.0.13.0.11-3.el8"),
    software("nodejs", "18.20.4-1nodesource1"),
    software("haproxy", "2.4.24-0ubuntu0.22.04.1"),
];

const MAC_SOFTWARE: &[InstalledSoftware] = &[
    software("Safari", "17.5"),
    software("Google Chrome", "130.0.6723.117"),
    software("Firefox", "132.0.1"),
    software("Microsoft Word", "16.90"),
    software("Microsoft Excel", "16.90"),
    software("Microsoft Outlook", "16.90"),
    software("Slack", "4.41.97"),
    software("zoom.us", "6.2.6 (42990)"),
    software("Visual Studio Code", "1.95.1"),
    software("iTerm", "3.5.4"),
    software("Xcode", "16.0"),
    software("1Password 7", "7.9.11"),
    software("QualysCloudAgent", "6.2.0.18"),
    software("Homebrew", "4.4.4"),
    software("Docker Desktop", "4.35.1"),
    software("Keynote", "14.2"),
    software("Pages", "14.2"),
    software("Numbers", "14.2"),
    software("The Unarchiver", "4.3.8"),
    software("GarageBand", "10.4.11"),
];

const WINDOWS_PORTS: &[OpenPort] = &[
    port(80, "TCP", "http"),
    port(135, "TCP", "msrpc"),
    port(137, "UDP", "netbios-ns"),
    port(139, "TCP", "netbios-ssn"),
    port(443, "TCP", "https"),
    port(445, "TCP", "microsoft-ds"),
    port(1433, "TCP", "ms-sql-s"),
    port(3389, "TCP", "ms-wbt-server"),
    port(5040, "TCP", "unknown"),
    port(5985, "TCP", "wsman"),
];

const UNIX_PORTS: &[OpenPort] = &[
    port(22, "TCP", "ssh"),
    port(80, "TCP", "http"),
    port(111, "TCP", "rpcbind"),
    port(123, "UDP", "ntp"),
    port(443, "TCP", "https"),
    port(3306, "TCP", "mysql"),
    port(5432, "TCP", "postgresql"),
    port(6379, "TCP", "redis"),
    port(8080, "TCP", "http-proxy"),
    port(9100, "TCP", "jetdirect"),
];

/// Draws assets one after the other from one random stream.
struct Generator {
    rng: ChaCha8Rng,
    heavy_fields: bool,
    agents_made: usize,
    previous_check_in: Option<OffsetDateTime>,
    os_weight_total: u32,
}

impl Generator {
    fn new(seed: u64, heavy_fields: bool) -> Generator {
        Generator {
            rng: ChaCha8Rng::seed_from_u64(seed),
            heavy_fields,
            agents_made: 0,
            previous_check_in: None,
            os_weight_total: OPERATING_SYSTEMS.iter().map(|(_, _, weight)| weight).sum(),
        }
    }

    fn agent(&mut self, id: u64) -> Asset {
        let index = self.agents_made;
        self.agents_made += 1;
        let (os, platform) = self.operating_system();
        let name = if index % 17 == 4 {
            special_name(index / 17)
        } else {
            self.host_name(platform)
        };
        let last_checked_in = self.check_in(index);
        let created = last_checked_in - Duration::days(self.rng.random_range(30..900));
        let mut asset = self.base_asset(id, name, platform, created);
        asset.os = self.rng.random_bool(0.99).then(|| os.to_owned());
        asset.modified = last_checked_in - Duration::seconds(self.rng.random_range(0..3600));
        asset.tracking_method = TRACKING_METHOD_AGENT.to_owned();
        asset.tags = self.agent_tags(platform);
        asset.agent_info = Some(self.agent_info(platform, last_checked_in, asset.address.clone()));
        asset
    }

    fn untagged(&mut self, id: u64) -> Asset {
        let (os, platform) = self.operating_system();
        let name = self.host_name(platform);
        let created = REFERENCE_INSTANT - Duration::days(self.rng.random_range(10..900));
        let mut asset = self.base_asset(id, name, platform, created);
        asset.os = Some(os.to_owned());
        asset.modified = created + Duration::days(self.rng.random_range(0..9));
        asset.tracking_method = TRACKING_METHOD_IP.to_owned();
        if asset.address.is_none() {
            asset.address = Some(self.private_address());
        }
        let tag_count = self.rng.random_range(0..=2);
        asset.tags = pick_tags(&mut self.rng, UNTAGGED_TAGS, tag_count);
        asset
    }

    /// The fields agents and untagged assets share.
    fn base_asset(
        &mut self,
        id: u64,
        name: String,
        platform: Platform,
        created: OffsetDateTime,
    ) -> Asset {
        let dns_host_name = self
            .rng
            .random_bool(0.92)
            .then(|| format!("{}.corp.acme.example", name.to_lowercase()));
        let netbios_name = (platform.is_windows() && self.rng.random_bool(0.8))
            .then(|| name.to_uppercase().chars().take(15).collect());
        let address = self.rng.random_bool(0.95).then(|| self.private_address());
        let (software, open_ports) = self.heavy_lists(platform);
        Asset {
            id,
            fqdn: dns_host_name.clone(),
            dns_host_name,
            name,
            os: None,
            address,
            netbios_name,
            created,
            modified: created,
            tracking_method: String::new(),
            tags: Vec::new(),
            agent_info: None,
            software,
            open_ports,
        }
    }

    fn operating_system(&mut self) -> (&'static str, Platform) {
        let mut draw = self.rng.random_range(0..self.os_weight_total);
        for (os, platform, weight) in OPERATING_SYSTEMS {
            if draw < *weight {
                return (os, *platform);
            }
            draw -= weight;
        }
        (OPERATING_SYSTEMS[0].0, OPERATING_SYSTEMS[0].1)
    }

    fn host_name(&mut self, platform: Platform) -> String {
        let number = self.rng.random_range(1..100u32);
        match platform {
            Platform::Windows => {
                let prefix = if self.rng.random_bool(0.5) {
                    "DESKTOP"
                } else {
                    "LAPTOP"
                };
                format!("{prefix}-{}", self.random_code(7))
            }
            Platform::WindowsServer => {
                let site = pick(&mut self.rng, SITES);
                let role = pick(&mut self.rng, SERVER_ROLES);
                format!("{site}-{role}{number:02}")
            }
            Platform::Linux => {
                if self.rng.random_bool(0.25) {
                    let [a, b, c] = [0u8; 3].map(|_| self.rng.random::<u8>());
                    format!("ip-10-{a}-{b}-{c}")
                } else {
                    let role = pick(&mut self.rng, SERVER_ROLES);
                    let environment = pick(&mut self.rng, ENVIRONMENTS);
                    format!("{role}-{environment}-{number:02}")
                }
            }
            Platform::MacOs => {
                let first = pick(&mut self.rng, FIRST_NAMES);
                format!("{first}s-macbook-pro-{number}")
            }
        }
    }

    fn random_code(&mut self, length: usize) -> String {
        const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ0123456789";
        (0..length)
            .map(|_| char::from(ALPHABET[self.rng.random_range(0..ALPHABET.len())]))
            .collect()
    }

    fn private_address(&mut self) -> String {
        let [a, b, c] = [0u8; 3].map(|_| self.rng.random::<u8>());
        format!("10.{a}.{b}.{}", c.max(1))
    }

    /// Every 13th agent (from the 8th) shares the previous agent's check-in second.
    fn check_in(&mut self, index: usize) -> OffsetDateTime {
        let window_seconds = CHECK_IN_WINDOW_DAYS * 86_400;
        let fresh = REFERENCE_INSTANT - Duration::seconds(self.rng.random_range(0..window_seconds));
        let check_in = match self.previous_check_in {
            Some(previous) if index % 13 == 7 => previous,
            _ => fresh,
        };
        self.previous_check_in = Some(check_in);
        check_in
    }

    fn agent_tags(&mut self, platform: Platform) -> Vec<Tag> {
        let mut tags = vec![Tag {
            id: CLOUD_AGENT_TAG_ID,
            name: CLOUD_AGENT_TAG.to_owned(),
        }];
        if self.rng.random_bool(0.35) {
            return tags;
        }
        let (id, name) = match platform {
            Platform::Windows | Platform::WindowsServer => WINDOWS_TAG,
            Platform::Linux => LINUX_TAG,
            Platform::MacOs => MAC_TAG,
        };
        if self.rng.random_bool(0.6) {
            tags.push(tag(id, name));
        }
        let extra = self.rng.random_range(usize::from(tags.len() == 1)..=2);
        tags.extend(pick_tags(&mut self.rng, OTHER_TAGS, extra));
        tags
    }

    fn agent_info(
        &mut self,
        platform: Platform,
        last_checked_in: OffsetDateTime,
        address: Option<String>,
    ) -> AgentInfo {
        let versions = if platform.is_windows() {
            WINDOWS_AGENT_VERSIONS
        } else {
            UNIX_AGENT_VERSIONS
        };
        let agent_version = self
            .rng
            .random_bool(0.96)
            .then(|| pick(&mut self.rng, versions).to_owned());
        let status = if self.rng.random_bool(0.88) {
            "STATUS_ACTIVE"
        } else {
            "STATUS_INACTIVE"
        };
        let connected_from = if self.rng.random_bool(0.5) {
            address
        } else {
            Some(format!("203.0.113.{}", self.rng.random_range(1..255u8)))
        };
        let (profile_id, profile_name) = pick(&mut self.rng, CONFIGURATION_PROFILES);
        let (key_id, key_title) = pick(&mut self.rng, ACTIVATION_KEYS);
        let manifest_version = self.rng.random_bool(0.9).then(|| {
            format!(
                "VULNSIGS-VM-2.6.{}.2-1,PC-1.0.{}.0-2",
                self.rng.random_range(100..140u32),
                self.rng.random_range(10..40u32)
            )
        });
        AgentInfo {
            agent_version,
            agent_id: self.uuid(),
            status: status.to_owned(),
            last_checked_in,
            connected_from,
            platform: platform.qualys_name().to_owned(),
            activated_modules: self.modules(),
            manifest_version,
            agent_configuration: Some(AgentConfiguration {
                id: profile_id,
                name: profile_name.to_owned(),
            }),
            activation_key: self.rng.random_bool(0.97).then(|| ActivationKey {
                activation_id: key_id.to_owned(),
                title: key_title.to_owned(),
            }),
        }
    }

    fn modules(&mut self) -> Vec<String> {
        let mut modules = Vec::with_capacity(4);
        for (module, probability) in [
            (MODULE_VM, 0.85),
            (MODULE_PC, 0.6),
            (MODULE_SCA, 0.3),
            (MODULE_FIM, 0.1),
        ] {
            if self.rng.random_bool(probability) {
                modules.push(module.to_owned());
            }
        }
        if modules.is_empty() {
            modules.push(MODULE_SCA.to_owned());
        }
        modules
    }

    /// A random (version 4) UUID.
    fn uuid(&mut self) -> String {
        let mut bytes: [u8; 16] = self.rng.random();
        bytes[6] = (bytes[6] & 0x0f) | 0x40;
        bytes[8] = (bytes[8] & 0x3f) | 0x80;
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut uuid = String::with_capacity(36);
        for (index, byte) in bytes.iter().enumerate() {
            if matches!(index, 4 | 6 | 8 | 10) {
                uuid.push('-');
            }
            uuid.push(char::from(HEX[usize::from(byte >> 4)]));
            uuid.push(char::from(HEX[usize::from(byte & 0x0f)]));
        }
        uuid
    }

    fn heavy_lists(
        &mut self,
        platform: Platform,
    ) -> (&'static [InstalledSoftware], &'static [OpenPort]) {
        if !self.heavy_fields {
            return (&[], &[]);
        }
        let (catalogue, ports) = match platform {
            Platform::Windows | Platform::WindowsServer => (WINDOWS_SOFTWARE, WINDOWS_PORTS),
            Platform::Linux => (LINUX_SOFTWARE, UNIX_PORTS),
            Platform::MacOs => (MAC_SOFTWARE, UNIX_PORTS),
        };
        let software_count = self.rng.random_range(10..=catalogue.len().min(40));
        let port_count = self.rng.random_range(2..=ports.len());
        (
            self.random_run(catalogue, software_count),
            self.random_run(ports, port_count),
        )
    }

    /// `count` consecutive entries of `items` from a random start: a random subset that costs
    /// one draw and no allocation (the heavy lists of 50 000 assets stay cheap).
    fn random_run<T>(&mut self, items: &'static [T], count: usize) -> &'static [T] {
        let count = count.min(items.len());
        let start = self.rng.random_range(0..=items.len() - count);
        &items[start..start + count]
    }
}

const fn software(name: &'static str, version: &'static str) -> InstalledSoftware {
    InstalledSoftware { name, version }
}

const fn port(port: u16, protocol: &'static str, service_name: &'static str) -> OpenPort {
    OpenPort {
        port,
        protocol,
        service_name,
    }
}

fn special_name(round: usize) -> String {
    let template = SPECIAL_NAME_TEMPLATES[round % SPECIAL_NAME_TEMPLATES.len()];
    let number = round / SPECIAL_NAME_TEMPLATES.len() + 1;
    template.replace('#', &number.to_string())
}

fn pick<T: Copy>(rng: &mut ChaCha8Rng, items: &[T]) -> T {
    items[rng.random_range(0..items.len())]
}

fn tag(id: u64, name: &str) -> Tag {
    Tag {
        id,
        name: name.to_owned(),
    }
}

fn pick_tags(rng: &mut ChaCha8Rng, catalogue: &[(u64, &str)], count: usize) -> Vec<Tag> {
    catalogue
        .choose_multiple(rng, count)
        .map(|(id, name)| tag(*id, name))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn default_dataset() -> Dataset {
        Dataset::generate(7, 300, 40, true)
    }

    #[test]
    fn same_seed_gives_same_dataset_and_other_seed_differs() {
        assert_eq!(default_dataset(), default_dataset());
        assert_ne!(default_dataset(), Dataset::generate(8, 300, 40, true));
    }

    #[test]
    fn ids_are_unique_ascending_with_gaps() {
        let dataset = default_dataset();
        assert_eq!(dataset.assets.len(), 340);
        let ids: Vec<u64> = dataset.assets.iter().map(|asset| asset.id).collect();
        assert!(ids.windows(2).all(|pair| pair[0] < pair[1]));
        assert!(ids.windows(2).any(|pair| pair[1] - pair[0] > 1));
    }

    #[test]
    fn agents_are_tagged_and_untagged_assets_are_not() {
        let dataset = default_dataset();
        let agents = dataset.agents().count();
        assert_eq!(agents, 300);
        for asset in &dataset.assets {
            let is_agent = asset.has_cloud_agent_tag();
            assert_eq!(asset.agent_info.is_some(), is_agent);
            let expected = if is_agent {
                TRACKING_METHOD_AGENT
            } else {
                TRACKING_METHOD_IP
            };
            assert_eq!(asset.tracking_method, expected);
        }
    }

    #[test]
    fn dataset_has_the_awkward_cases_tests_need() {
        let dataset = default_dataset();
        let agents: Vec<&Asset> = dataset.agents().collect();
        assert!(agents.iter().any(|a| a.tags.len() == 1));
        assert!(agents.iter().any(|a| a.tags.len() > 2));
        assert!(agents.iter().any(|a| a.dns_host_name.is_none()));
        assert!(agents.iter().any(|a| a.address.is_none()));
        assert!(agents.iter().any(|a| {
            a.agent_info
                .as_ref()
                .is_some_and(|i| i.agent_version.is_none())
        }));
        assert!(agents.iter().any(|a| !a.has_module(MODULE_VM)));
        assert!(agents.iter().any(|a| !a.has_module(MODULE_PC)));
        for special in ["&", "<", ">", "\"", "'", "ü"] {
            assert!(
                agents.iter().any(|a| a.name.contains(special)),
                "a name with {special}"
            );
        }
        let mut check_ins: Vec<OffsetDateTime> =
            agents.iter().filter_map(|a| a.last_checked_in()).collect();
        check_ins.sort();
        assert!(check_ins.windows(2).any(|pair| pair[0] == pair[1]));
        let earliest = REFERENCE_INSTANT - Duration::days(CHECK_IN_WINDOW_DAYS);
        assert!(
            check_ins
                .iter()
                .all(|t| *t > earliest && *t <= REFERENCE_INSTANT)
        );
        assert!(agents.iter().all(|a| a.software.len() >= 10));
    }

    #[test]
    fn agent_ids_are_uuids() {
        let dataset = default_dataset();
        for agent in dataset.agents().filter_map(|a| a.agent_info.as_ref()) {
            let groups: Vec<usize> = agent.agent_id.split('-').map(str::len).collect();
            assert_eq!(groups, [8, 4, 4, 4, 12]);
        }
    }

    #[test]
    fn fifty_thousand_agents_generate_quickly() {
        let started = std::time::Instant::now();
        let dataset = Dataset::generate(1, 50_000, 500, true);
        let elapsed = started.elapsed();
        assert_eq!(dataset.agents().count(), 50_000);
        // Unoptimised test builds are several times slower than the benchmark's optimised
        // build, where this takes well under a second.
        assert!(elapsed.as_secs_f64() < 5.0, "took {elapsed:?}");
    }

    #[test]
    fn instants_are_written_in_qualys_format() {
        assert_eq!(format_instant(REFERENCE_INSTANT), "2026-11-01T00:00:00Z");
    }
}
