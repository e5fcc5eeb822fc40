"""Operations: notifications, alerts, instance health and retention."""
