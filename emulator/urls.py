app_name = "emulator"
urlpatterns = []
