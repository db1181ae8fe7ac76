"""Date and number formats of Essaim's languages where Django's own are not the ones wanted."""
