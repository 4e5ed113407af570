//! The user directory of the subscription: who is there, and how users are generated.
//!
//! The directory holds, sorted by `USER_ID` (ascending, with gaps): the
//! [fixed accounts](super::accounts) (all Active), the [`scenario`] users (fixed logins for each
//! interesting case: Inactive Manager, Inactive Administrator, Inactive users in Europe and in
//! other units, Pending Activation users, …), then `SimulatorConfig::users` generated users
//! (about 70 % Active, 20 % Inactive, 10 % Pending Activation; varied roles and business units,
//! including `R&D <Labs>`; logins `acme_<initials><100+n>`).
//!
//! The endpoints that read and change it are in [`users`](super::users).

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::accounts::{self, Account, EUROPE, Role, UNASSIGNED};

/// A user's status, as `USER_STATUS` writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UserStatus {
    /// `Active`.
    Active,
    /// `Inactive`: may be activated.
    Inactive,
    /// `Pending Activation`: never completed the first login; cannot be activated.
    PendingActivation,
}

impl UserStatus {
    /// `Active`, `Inactive` or `Pending Activation`.
    pub fn as_qualys_str(self) -> &'static str {
        match self {
            UserStatus::Active => "Active",
            UserStatus::Inactive => "Inactive",
            UserStatus::PendingActivation => "Pending Activation",
        }
    }
}

/// A user of the simulated subscription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimUser {
    /// `USER_LOGIN`.
    pub login: String,
    /// `USER_ID`; 0 when added through `Simulator::add_user` means "assign the next id".
    pub user_id: u64,
    /// `USER_STATUS`.
    pub status: UserStatus,
    /// `USER_ROLE`.
    pub role: Role,
    /// `BUSINESS_UNIT`.
    pub business_unit: String,
    /// `CONTACT_INFO/FIRSTNAME`.
    pub first_name: String,
    /// `CONTACT_INFO/LASTNAME`.
    pub last_name: String,
    /// `CONTACT_INFO/EMAIL`.
    pub email: String,
}

impl SimUser {
    /// A user with this login, role, status and business unit, named "Test User", e-mail
    /// `LOGIN@acme.example`, and `user_id` 0 (assigned when added).
    pub fn new(login: &str, role: Role, status: UserStatus, business_unit: &str) -> SimUser {
        SimUser {
            login: login.to_owned(),
            user_id: 0,
            status,
            role,
            business_unit: business_unit.to_owned(),
            first_name: "Test".to_owned(),
            last_name: "User".to_owned(),
            email: format!("{login}@acme.example"),
        }
    }

    fn with_name(mut self, first_name: &str, last_name: &str) -> SimUser {
        self.first_name = first_name.to_owned();
        self.last_name = last_name.to_owned();
        self
    }
}

/// Fixed users (not accounts: they cannot log in) for each case tests need.
pub mod scenario {
    use super::{Role, UserStatus};

    /// Inactive Manager, Unassigned: only a Manager may activate it.
    pub const INACTIVE_MANAGER: &str = "acme_im1";
    /// Inactive Administrator, Unassigned: only a Manager may activate it.
    pub const INACTIVE_ADMINISTRATOR: &str = "acme_ia1";
    /// Inactive Scanner in Europe: Manager, Administrator and the Europe Unit Manager may.
    pub const INACTIVE_EUROPE_SCANNER: &str = "acme_es1";
    /// Inactive Reader in Europe.
    pub const INACTIVE_EUROPE_READER: &str = "acme_er1";
    /// Inactive Scanner in Asia Pacific: outside the Europe Unit Manager's unit.
    pub const INACTIVE_ASIA_SCANNER: &str = "acme_as1";
    /// Inactive Reader, Unassigned.
    pub const INACTIVE_READER: &str = "acme_ir1";
    /// Inactive Auditor in North America.
    pub const INACTIVE_AUDITOR: &str = "acme_iu1";
    /// Pending Activation Scanner in Europe.
    pub const PENDING_EUROPE_SCANNER: &str = "acme_ep1";
    /// Pending Activation Reader, Unassigned.
    pub const PENDING_READER: &str = "acme_pr1";
    /// Active Scanner in Europe.
    pub const ACTIVE_EUROPE_SCANNER: &str = "acme_ea1";
    /// Active Scanner, Unassigned.
    pub const ACTIVE_SCANNER: &str = "acme_as2";

    /// Every scenario user: login, role, status, business unit, first and last name.
    pub const USERS: [(&str, Role, UserStatus, &str, &str, &str); 11] = [
        (
            INACTIVE_MANAGER,
            Role::Manager,
            UserStatus::Inactive,
            "Unassigned",
            "Ines",
            "Martín",
        ),
        (
            INACTIVE_ADMINISTRATOR,
            Role::Administrator,
            UserStatus::Inactive,
            "Unassigned",
            "Ian",
            "Abbott",
        ),
        (
            INACTIVE_EUROPE_SCANNER,
            Role::Scanner,
            UserStatus::Inactive,
            "Europe",
            "Eva",
            "Schäfer",
        ),
        (
            INACTIVE_EUROPE_READER,
            Role::Reader,
            UserStatus::Inactive,
            "Europe",
            "Émile",
            "Rousseau",
        ),
        (
            INACTIVE_ASIA_SCANNER,
            Role::Scanner,
            UserStatus::Inactive,
            "Asia Pacific",
            "Aiko",
            "Sato",
        ),
        (
            INACTIVE_READER,
            Role::Reader,
            UserStatus::Inactive,
            "Unassigned",
            "Ivan",
            "Reyes",
        ),
        (
            INACTIVE_AUDITOR,
            Role::Auditor,
            UserStatus::Inactive,
            "North America",
            "Uma",
            "O'Connor",
        ),
        (
            PENDING_EUROPE_SCANNER,
            Role::Scanner,
            UserStatus::PendingActivation,
            "Europe",
            "Elsa",
            "Petersen",
        ),
        (
            PENDING_READER,
            Role::Reader,
            UserStatus::PendingActivation,
            "Unassigned",
            "Pablo",
            "Ruiz",
        ),
        (
            ACTIVE_EUROPE_SCANNER,
            Role::Scanner,
            UserStatus::Active,
            "Europe",
            "Erik",
            "Andersson",
        ),
        (
            ACTIVE_SCANNER,
            Role::Scanner,
            UserStatus::Active,
            "Unassigned",
            "Amy",
            "Stone",
        ),
    ];
}

/// Names of the fixed accounts in the user list.
/// Names of the accounts that existed first, drawn ids in the generator's sequence.
const ACCOUNT_NAMES: [(&str, &str); 8] = [
    ("Maria", "García"),
    ("Adam", "Dubois"),
    ("Ulrike", "Müller"),
    ("Rachel", "D'Souza"),
    ("Søren", "Pedersen"),
    ("Eli", "Xavier"),
    ("Nora", "Reed"),
    ("Nils", "Aalto"),
];

/// Names of the accounts added after the first eight, in `accounts::ALL` order.
const LATER_ACCOUNT_NAMES: [(&str, &str); 1] = [("Ines", "Park")];

const _: () = assert!(ACCOUNT_NAMES.len() + LATER_ACCOUNT_NAMES.len() == accounts::ALL.len());

const FIRST_NAMES: &[&str] = &[
    "José", "Zoë", "Liam", "Aiko", "Noah", "Chloé", "Mateo", "Ingrid", "Omar", "Priya", "Sean",
    "Wei", "Fatima", "Lars", "Beatriz", "Kofi",
];
const LAST_NAMES: &[&str] = &[
    "Müller",
    "O'Neil",
    "García",
    "Nakamura",
    "Smith",
    "Dubois",
    "Kowalski",
    "Okafor",
    "Rossi",
    "Larsen",
    "Chen",
    "Fernández",
    "Nguyen",
    "Ivanova",
];
const BUSINESS_UNITS: &[&str] = &[
    UNASSIGNED,
    EUROPE,
    "Asia Pacific",
    "North America",
    "R&D <Labs>",
];

/// The user directory: every user, sorted by `USER_ID`.
#[derive(Debug, Clone, Default)]
pub(crate) struct UserDirectory {
    users: Vec<SimUser>,
}

impl UserDirectory {
    /// The fixed accounts, the scenario users and `generated` users drawn from `seed`.
    pub(crate) fn generate(seed: u64, generated: usize) -> UserDirectory {
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x0075_7365_7273);
        let mut directory = UserDirectory::default();
        let mut next_id = 1_100_000u64;
        let mut push = |directory: &mut UserDirectory, rng: &mut ChaCha8Rng, mut user: SimUser| {
            next_id += rng.random_range(1..=9u64);
            user.user_id = next_id;
            directory.users.push(user);
        };
        let account_user = |account: &Account, (first, last): (&str, &str)| {
            SimUser::new(
                account.login,
                account.role,
                UserStatus::Active,
                account.business_unit,
            )
            .with_name(first, last)
        };
        let (first_accounts, later_accounts) = accounts::ALL.split_at(ACCOUNT_NAMES.len());
        for (account, names) in first_accounts.iter().zip(ACCOUNT_NAMES) {
            push(&mut directory, &mut rng, account_user(account, names));
        }
        for (login, role, status, unit, first, last) in scenario::USERS {
            let user = SimUser::new(login, role, status, unit).with_name(first, last);
            push(&mut directory, &mut rng, user);
        }
        for index in 0..generated {
            let user = generated_user(&mut rng, index);
            push(&mut directory, &mut rng, user);
        }
        // Accounts added later take the next ids after everyone, without drawing from the
        // generator: the ids and attributes of every other user stay what they were.
        for (account, names) in later_accounts.iter().zip(LATER_ACCOUNT_NAMES) {
            directory.insert(account_user(account, names));
        }
        directory
    }

    /// Every user, sorted by id.
    pub(crate) fn all(&self) -> &[SimUser] {
        &self.users
    }

    /// The user with this login.
    pub(crate) fn find(&self, login: &str) -> Option<&SimUser> {
        self.users.iter().find(|user| user.login == login)
    }

    /// The user with this login, to change it.
    pub(crate) fn find_mut(&mut self, login: &str) -> Option<&mut SimUser> {
        self.users.iter_mut().find(|user| user.login == login)
    }

    /// Adds a user or replaces the one with the same login; id 0 gets the next free id.
    pub(crate) fn insert(&mut self, mut user: SimUser) {
        self.users.retain(|existing| existing.login != user.login);
        if user.user_id == 0 {
            user.user_id = self.users.iter().map(|u| u.user_id).max().unwrap_or(0) + 1;
        }
        let position = self
            .users
            .partition_point(|existing| existing.user_id <= user.user_id);
        self.users.insert(position, user);
    }

    /// Whether the account may still log in (a deactivated fixed account may not).
    pub(crate) fn is_active(&self, login: &str) -> bool {
        self.find(login)
            .is_none_or(|user| user.status == UserStatus::Active)
    }
}

fn generated_user(rng: &mut ChaCha8Rng, index: usize) -> SimUser {
    let first = FIRST_NAMES[rng.random_range(0..FIRST_NAMES.len())];
    let last = LAST_NAMES[rng.random_range(0..LAST_NAMES.len())];
    let role = match rng.random_range(0..100u32) {
        0..10 => Role::Manager,
        10..20 => Role::Administrator,
        20..30 => Role::UnitManager,
        30..65 => Role::Scanner,
        65..95 => Role::Reader,
        _ => Role::Auditor,
    };
    let status = match rng.random_range(0..100u32) {
        0..70 => UserStatus::Active,
        70..90 => UserStatus::Inactive,
        _ => UserStatus::PendingActivation,
    };
    let business_unit = match role {
        Role::Manager | Role::Administrator => UNASSIGNED,
        _ => BUSINESS_UNITS[rng.random_range(0..BUSINESS_UNITS.len())],
    };
    let login = format!("acme_{}{}{}", initial(first), initial(last), 100 + index);
    SimUser::new(&login, role, status, business_unit).with_name(first, last)
}

fn initial(name: &str) -> char {
    name.chars()
        .next()
        .filter(char::is_ascii_alphabetic)
        .map_or('x', |c| c.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directory_has_every_scenario_and_sorted_unique_ids() {
        let directory = UserDirectory::generate(7, 50);
        assert_eq!(
            directory.all().len(),
            accounts::ALL.len() + scenario::USERS.len() + 50
        );
        assert!(
            directory
                .all()
                .windows(2)
                .all(|pair| pair[0].user_id < pair[1].user_id)
        );
        let mut logins: Vec<&str> = directory.all().iter().map(|u| u.login.as_str()).collect();
        logins.sort_unstable();
        logins.dedup();
        assert_eq!(logins.len(), directory.all().len());
        for (login, role, status, unit, _, _) in scenario::USERS {
            let user = directory.find(login).expect("scenario user");
            assert_eq!((user.role, user.status), (role, status));
            assert_eq!(user.business_unit, unit);
        }
    }

    #[test]
    fn generated_users_cover_statuses_and_are_deterministic() {
        let a = UserDirectory::generate(3, 200);
        let b = UserDirectory::generate(3, 200);
        assert_eq!(a.all(), b.all());
        for status in [
            UserStatus::Active,
            UserStatus::Inactive,
            UserStatus::PendingActivation,
        ] {
            assert!(a.all()[19..].iter().any(|user| user.status == status));
        }
    }

    #[test]
    fn insert_assigns_an_id_and_replaces_by_login() {
        let mut directory = UserDirectory::generate(7, 0);
        let highest = directory.all().last().map(|u| u.user_id).unwrap_or(0);
        directory.insert(SimUser::new(
            "acme_zz1",
            Role::Reader,
            UserStatus::Inactive,
            EUROPE,
        ));
        assert_eq!(
            directory.find("acme_zz1").map(|u| u.user_id),
            Some(highest + 1)
        );
        let mut replacement = SimUser::new("acme_zz1", Role::Scanner, UserStatus::Active, EUROPE);
        replacement.user_id = 5;
        directory.insert(replacement);
        assert_eq!(directory.all()[0].login, "acme_zz1");
        assert_eq!(
            directory
                .all()
                .iter()
                .filter(|u| u.login == "acme_zz1")
                .count(),
            1
        );
    }
}
