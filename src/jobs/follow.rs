//! Following the models the other instances serve: every `models.follow_secs` each instance
//! reads the latest reload or rollback recorded in the store (`model_changes`, written by
//! [`crate::ops::models`] on whichever instance was asked) and, if it is newer than the last one
//! it followed, serves the same versions ([`Registry::follow`]: nothing if it serves them, a
//! rollback if they are its previous models, a reload of `models.dir` if it holds them). An
//! instance whose `models.dir` holds other versions keeps serving its own and says so once per
//! change: the models must be deployed to every instance (or a shared directory) before the
//! reload is asked.
//!
//! At start-up the latest change is followed at once, which is how an instance started after a
//! rollback serves the rolled-back versions, if it has them, or warns that it does not.

use std::time::Duration;

use crate::ops::Service;
use crate::registry::{Followed, Registry, Versions};
use crate::store::ModelChange;

/// Follows the latest recorded change every `every`, for as long as the service runs (spawn it,
/// abort it on shutdown).
pub async fn follow_models(svc: Service, registry: Registry, every: Duration) {
    let mut seen: i64 = 0;
    let mut store_failing = false;
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let latest = match svc.store.latest_model_change().await {
            Ok(latest) => {
                store_failing = false;
                latest
            }
            Err(e) => {
                if !store_failing {
                    tracing::warn!(error = %e, "cannot read the model changes of other instances; trying again");
                }
                store_failing = true;
                continue;
            }
        };
        let Some(change) = latest.filter(|c| c.id > seen) else {
            continue;
        };
        seen = change.id;
        follow_one(&registry, change).await;
    }
}

/// Serves the versions of `change`, logging what happened.
pub async fn follow_one(registry: &Registry, change: ModelChange) {
    let wanted = Versions {
        topic: change.topic.clone(),
        urgency: change.urgency.clone(),
    };
    let task = registry.clone();
    let followed = tokio::task::spawn_blocking(move || task.follow(&wanted)).await;
    let (topic, urgency) = (&change.topic, &change.urgency);
    let (action, by, on) = (&change.action, &change.actor, &change.replica);
    match followed {
        Ok(Ok(Followed::AlreadyServing)) => {}
        Ok(Ok(Followed::RolledBack)) => {
            tracing::info!(%topic, %urgency, %action, %by, %on, "models rolled back, as another instance did");
        }
        Ok(Ok(Followed::Reloaded)) => {
            tracing::info!(%topic, %urgency, %action, %by, %on, "models reloaded, as another instance did");
        }
        Ok(Ok(Followed::Differs { found })) => {
            tracing::warn!(
                %topic, %urgency, %action, %by, %on,
                found_topic = %found.topic, found_urgency = %found.urgency,
                "another instance changed to models that models.dir does not hold here: this \
                 instance keeps serving its own (deploy the models to every instance, then reload)"
            );
        }
        Ok(Err(invalid)) => {
            tracing::error!(problems = %invalid, %action, %by, %on, "the models another instance changed to were not loaded here: the previous ones keep serving");
        }
        Err(e) => tracing::error!(error = %e, "the model follow task failed"),
    }
}
