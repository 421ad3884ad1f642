//! `--nodes N`: N Loquat servers as one app (one PostgreSQL database, one
//! NATS, `[cluster] nats_url`), behind nginx, as docs/deploy.md deploys
//! them and server/tests/cluster_restart.rs tests them. The clients talk to
//! nginx only.

use std::net::SocketAddr;

use crate::nginx::Nginx;
use crate::server::{fresh_database, Node, ServeSpec, ServerProcess};

pub struct Cluster {
    pub nodes: Vec<ServerProcess>,
    pub nginx: Nginx,
}

impl Cluster {
    /// `n` nodes started from `spec`, sharing a new database on the
    /// PostgreSQL server `postgres` and the NATS at `nats_url`, behind nginx.
    pub async fn start(
        n: usize,
        spec: &ServeSpec,
        postgres: &str,
        nats_url: &str,
    ) -> Result<Cluster, String> {
        let balancer = crate::nginx::free_addr()?;
        let name = format!("loquat_load_{}_cluster{}", std::process::id(), next_id());
        let database = fresh_database(postgres, &name)
            .await
            .map_err(|e| format!("cannot create the cluster's database: {e}"))?;
        let mut nodes = Vec::with_capacity(n);
        for i in 0..n {
            let mut spec = spec.clone();
            spec.store.postgres = None;
            spec.store.database_url = Some(database.clone());
            spec.node = Some(Node {
                nats_url: nats_url.to_string(),
                name: format!("bench-{}-{i}", std::process::id()),
                balancer: balancer.to_string(),
            });
            nodes.push(tokio::task::block_in_place(|| ServerProcess::start(&spec))?);
        }
        let addrs: Vec<SocketAddr> = nodes.iter().map(|node| node.addr).collect();
        let nginx = tokio::task::block_in_place(|| Nginx::start(balancer, &addrs))?;
        Ok(Cluster { nodes, nginx })
    }
}

/// A new number each call, for the database's name.
fn next_id() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}
